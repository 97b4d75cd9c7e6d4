import type { KoaContextWithOIDC } from "oidc-provider";
import type { DataSource } from "typeorm";
import { type EventInput, recordEvent } from "../../accounting/record-event.js";
import type { Caller } from "../../common/caller.js";
import type { Logger } from "../../logger.js";
import { serviceAccountOf } from "../clients/client-store.js";
import { requestIdOf } from "../../http/request-id.js";

type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

type TokenEntity = { jti?: string; accountId?: string; scope?: string };

/**
 * Accounts for every token the token endpoint issues: one event per issuance, initiated by the service
 * account or the user the token is for, after the response is built and before it is sent (a token
 * whose issuance cannot be recorded is withheld).
 */
export function recordIssuance(ds: DataSource, log: Logger): Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.oidc?.route !== "token" || ctx.status !== 200) return;
    const { entities, client, params } = ctx.oidc;
    const cc = entities.ClientCredentials as TokenEntity | undefined;
    const at = (cc ?? entities.AccessToken) as TokenEntity | undefined;
    const sa = serviceAccountOf(client);
    const caller: Caller = {
      requestId: requestIdOf(ctx.req),
      principal:
        cc && sa
          ? {
              kind: "client",
              id: sa.id,
              name: client!.clientName ?? client!.clientId,
              clientId: client!.clientId,
              scopes: [],
            }
          : at?.accountId
            ? { kind: "user", id: at.accountId, name: "", clientId: client?.clientId ?? "", scopes: [] }
            : null,
      client: { ip: ctx.ip || null, userAgent: ctx.get("user-agent") || null },
    };
    try {
      const event: EventInput = {
        action: "issue",
        targetKind: "token",
        targetId: at?.jti ?? null,
        operatorId: sa?.operatorId ?? null,
        reason: `${String(params?.grant_type)} for ${client?.clientId ?? "?"}`,
      };
      // Its own autocommit INSERT: measured faster here than batching events into shared transactions.
      await recordEvent(ds.manager, caller, event);
    } catch (e) {
      // The response is not sent yet: a token that cannot be accounted for is not handed out.
      log.error({ err: e }, "could not record a token issuance; the token is withheld");
      ctx.status = 500;
      ctx.body = { error: "server_error", error_description: "the issuance could not be recorded" };
    }
  };
}
