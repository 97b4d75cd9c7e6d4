import type { DataSource, EntityManager } from "typeorm";
import { recordEvent } from "../../accounting/record-event.js";
import { clientKey, cutOffTokens } from "../tokens/token-cutoffs.js";
import { writeGrant } from "../../authz/policy-store.js";
import { accessOf, assertNotAbove, authorize, authorizeInstallation } from "../../authz/denied.js";
import { authorizeIn, locateDomain } from "../../authz/domain-ref.js";
import { Permission } from "../../authz/permissions.js";
import { restrict, scopeCondition } from "../../authz/scope-sql.js";
import type { RoleCatalogue } from "../../authz/catalogue.js";
import { roleDomainProblem } from "../../authz/roles.js";
import { badInput, notFound } from "../../common/errors.js";
import { expectGlobalId, toGlobalId } from "../../common/global-id.js";
import * as v from "../../common/validate.js";
import { dbOf } from "../../db/db.js";
import { SqlFilter, listPage, listSql } from "../../db/list-page.js";
import { inTransaction } from "../../db/transaction.js";
import type { Connection, PageArgs } from "../../api/connection.js";
import type { Caller } from "../../common/caller.js";
import { revokeClientState } from "../oidc/sessions.js";
import { newClientId, newClientSecret, secretDigest } from "./client-secrets.js";
import { CLIENTS_CHANGED_CHANNEL } from "./client-store.js";
import { CLIENT_COLUMNS, type Client, type ClientFilter, toClient } from "./client.types.js";
import { OidcClientEntity } from "./oidc-client.entity.js";
import { textKey, uuidKey } from "../../db/sort-key.js";
import { sql, sqlTemplate } from "../../db/named-sql.js";

export type ServiceAccountValues = {
  name: string;
  role: string;
  /** Exactly one: the operator or the provider the account acts for (global ids). */
  operatorId?: string | null;
  providerId?: string | null;
};

export type PublicClientValues = { name: string; redirectUris: string[]; postLogoutRedirectUris?: string[] };

/** A secret is shown once, when created or rotated; only its digest is kept. */
export type WithSecret = { id: string; clientId: string; clientSecret: string };

/** Default time the previous secret keeps working after a rotation, so deployments can roll over. */
export const DEFAULT_SECRET_OVERLAP_SECONDS = 24 * 3600;

const ROTATE_SECRET = sql(
  "authn.client.rotateSecret",
  `UPDATE oidc_client SET previous_secret_digest = CASE WHEN $3::int > 0 THEN secret_digest END,
           previous_secret_expires_at = CASE WHEN $3::int > 0 THEN now() + make_interval(secs => $3::int) END,
           secret_digest = $2, secret_rotated_at = now(), updated_at = now()
         WHERE id = $1`,
);
const DELETE_GRANTS = sql(
  "authn.client.deleteGrants",
  `DELETE FROM casbin_rule WHERE ptype = 'g' AND v0 = $1`,
);

const CLIENT_LIST = listSql("authn.clients", "oidc_client t", CLIENT_COLUMNS);
const VISIBLE = sqlTemplate<"scope">(
  "authn.client.visible",
  `SELECT ${CLIENT_COLUMNS} FROM oidc_client t WHERE t.id = $1{{scope}}`,
);

/** Service accounts and frontend clients: creation, secret rotation, disable/enable, delete. */
export class ClientService {
  constructor(
    private readonly ds: DataSource,
    private readonly catalogue: RoleCatalogue,
  ) {}

  /**
   * The clients the caller may read: client:read for a provider sees its service accounts and those of its
   * operators; for an operator, that operator's; frontend clients belong to the installation.
   */
  async list(caller: Caller, filter: ClientFilter | undefined, args: PageArgs): Promise<Connection<Client>> {
    const f = new SqlFilter();
    if (filter?.kind) f.add((p) => `t.kind = ${p}`, filter.kind);
    if (filter?.operatorId) {
      f.add(
        (p) => `t.operator_id = ${p}`,
        expectGlobalId(filter.operatorId, "Operator", "filter.operatorId"),
      );
    }
    if (filter?.providerId) {
      f.add(
        (p) => `t.provider_id = ${p}`,
        expectGlobalId(filter.providerId, "Provider", "filter.providerId"),
      );
    }
    restrict(f, accessOf(caller), Permission.ClientRead, "client");
    return listPage(dbOf(this.ds), {
      sql: CLIENT_LIST,
      filter: f,
      order: [textKey("t.name"), uuidKey("t.id")],
      direction: "ASC",
      args,
      map: toClient,
      cursorOf: (c) => [c.name, c.uuid],
    });
  }

  /** The client, if the caller may read it (as in list); null otherwise. */
  async byId(caller: Caller, id: string): Promise<Client | null> {
    const params: unknown[] = [id];
    const scoped = scopeCondition(accessOf(caller), Permission.ClientRead, "client", "t", params);
    const [row] = await this.ds.query(VISIBLE.fill({ scope: scoped ? ` AND ${scoped}` : "" }), params);
    return row ? toClient(row) : null;
  }

  /** A client-credentials client acting for an operator or a provider, holding a role there. */
  async createServiceAccount(caller: Caller, input: ServiceAccountValues): Promise<WithSecret> {
    const name = v.name(input.name, "input.name");
    if (!!input.operatorId === !!input.providerId) {
      throw badInput("input.operatorId", "name exactly one of operatorId and providerId");
    }
    const role = this.catalogue.role(input.role);
    if (!role) throw badInput("input.role", `unknown role ${input.role}`);
    const secret = newClientSecret();
    return inTransaction(this.ds, async (tx) => {
      const at = await locateDomain(tx, input, "input");
      const problem = roleDomainProblem(role, at.domain.kind);
      if (problem) throw badInput("input.role", problem);
      authorizeIn(caller, Permission.ClientManage, at, "Client");
      // Nobody creates a service account stronger than themselves where it acts.
      assertNotAbove(caller, role, at.place, "client:new");
      const operatorId = at.domain.kind === "operator" ? at.domain.operatorId : null;
      const providerId = at.domain.kind === "provider" ? at.domain.providerId : null;
      const saved = await tx.save(
        tx.create(OidcClientEntity, {
          clientId: newClientId("service_account"),
          kind: "service_account",
          name,
          role: role.name,
          operatorId,
          providerId,
          secretDigest: secretDigest(secret),
        }),
      );
      await recordEvent(tx, caller, {
        action: "create",
        targetKind: "client",
        targetId: saved.id,
        operatorId,
        changes: { role: { before: null, after: role.name } },
      });
      // Its permissions come from the role, granted where it is bound (authorization's policy lines).
      await writeGrant(tx, caller, { subject: `client:${saved.id}`, role: role.name, domain: at.domain });
      await changed(tx, saved.clientId);
      return { id: saved.id, clientId: saved.clientId, clientSecret: secret };
    });
  }

  /** A public frontend client: authorization code with PKCE, exact redirect URIs, no secret. */
  async createPublicClient(caller: Caller, input: PublicClientValues): Promise<string> {
    const name = v.name(input.name, "input.name");
    const redirectUris = redirectUrisOf(input.redirectUris, "input.redirectUris", true);
    const postLogoutRedirectUris = redirectUrisOf(
      input.postLogoutRedirectUris ?? [],
      "input.postLogoutRedirectUris",
      false,
    );
    // Frontend clients belong to the installation: every provider's people sign in through them.
    authorizeInstallation(caller, Permission.ClientManage, { kind: "Client", id: null });
    return inTransaction(this.ds, async (tx) => {
      const saved = await tx.save(
        tx.create(OidcClientEntity, {
          clientId: newClientId("public"),
          kind: "public",
          name,
          redirectUris,
          postLogoutRedirectUris,
        }),
      );
      await recordEvent(tx, caller, {
        action: "create",
        targetKind: "client",
        targetId: saved.id,
        operatorId: null,
      });
      await changed(tx, saved.clientId);
      return saved.id;
    });
  }

  async updatePublicClient(
    caller: Caller,
    globalId: string,
    input: Partial<PublicClientValues>,
  ): Promise<string> {
    const id = expectGlobalId(globalId, "Client", "id");
    return this.inClient(caller, id, async (tx, before) => {
      if (before.kind !== "public") throw badInput("id", "only public clients have redirect URIs");
      const patch: Partial<OidcClientEntity> = {};
      if (input.name != null) patch.name = v.name(input.name, "input.name");
      if (input.redirectUris != null)
        patch.redirectUris = redirectUrisOf(input.redirectUris, "input.redirectUris", true);
      if (input.postLogoutRedirectUris != null) {
        patch.postLogoutRedirectUris = redirectUrisOf(
          input.postLogoutRedirectUris,
          "input.postLogoutRedirectUris",
          false,
        );
      }
      await tx.update(OidcClientEntity, { id }, patch);
      await changed(tx, before.clientId);
      await recordEvent(tx, caller, {
        action: "update",
        targetKind: "client",
        targetId: id,
        operatorId: null,
        changes: Object.fromEntries(
          Object.entries(patch).map(([k, after]) => [
            k,
            { before: before[k as keyof OidcClientEntity], after },
          ]),
        ),
      });
      return id;
    });
  }

  /**
   * A new secret; the previous one keeps working for overlapSeconds (0: stops at once), so a deployment
   * can switch without downtime.
   */
  async rotateSecret(
    caller: Caller,
    globalId: string,
    overlapSeconds = DEFAULT_SECRET_OVERLAP_SECONDS,
  ): Promise<WithSecret> {
    const id = expectGlobalId(globalId, "Client", "id");
    if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > 30 * 86_400) {
      throw badInput("overlapSeconds", "overlapSeconds must be a whole number of seconds, at most 30 days");
    }
    const secret = newClientSecret();
    return this.inClient(caller, id, async (tx, before) => {
      if (before.kind !== "service_account") throw badInput("id", "public clients have no secret");
      await tx.query(ROTATE_SECRET, [id, secretDigest(secret), overlapSeconds]);
      // A reset (no overlap) answers a leaked secret: the tokens got with it end now too.
      if (overlapSeconds === 0) await cutOffTokens(tx, [clientKey(before.clientId)]);
      await changed(tx, before.clientId);
      await recordEvent(tx, caller, {
        action: "update",
        targetKind: "client",
        targetId: id,
        operatorId: before.operatorId,
        changes: { secret: { before: "[changed]", after: "[changed]" } },
        reason: `secret rotated; the previous one works for ${overlapSeconds} s more`,
      });
      return { id, clientId: before.clientId, clientSecret: secret };
    });
  }

  /** A disabled client gets no tokens; its refresh tokens and grants end at once. */
  async setDisabled(caller: Caller, globalId: string, disabled: boolean): Promise<string> {
    const id = expectGlobalId(globalId, "Client", "id");
    return this.inClient(caller, id, async (tx, before) => {
      if (before.disabled === disabled) return id;
      await tx.update(OidcClientEntity, { id }, { disabled });
      if (disabled) await revokeClientState(tx, before.clientId);
      await changed(tx, before.clientId);
      await recordEvent(tx, caller, {
        action: disabled ? "disable" : "enable",
        targetKind: "client",
        targetId: id,
        operatorId: before.operatorId,
      });
      return id;
    });
  }

  async delete(caller: Caller, globalId: string): Promise<string> {
    const id = expectGlobalId(globalId, "Client", "id");
    return this.inClient(caller, id, async (tx, before) => {
      await revokeClientState(tx, before.clientId);
      await tx.query(DELETE_GRANTS, [`client:${id}`]);
      await tx.delete(OidcClientEntity, { id });
      await changed(tx, before.clientId);
      await recordEvent(tx, caller, {
        action: "delete",
        targetKind: "client",
        targetId: id,
        operatorId: before.operatorId,
      });
      return id;
    });
  }

  /** Locks the client for a change, once the caller may manage clients where it belongs. */
  private inClient<T>(
    caller: Caller,
    id: string,
    work: (tx: EntityManager, before: OidcClientEntity) => Promise<T>,
  ): Promise<T> {
    return inTransaction(this.ds, async (tx) => {
      const before = await tx.findOne(OidcClientEntity, {
        where: { id },
        lock: { mode: "pessimistic_write" },
      });
      if (!before) throw notFound("Client", id);
      await authorizeClientChange(tx, caller, before);
      return work(tx, before);
    });
  }
}

const PROVIDER_OF_OPERATOR = sql(
  "authn.client.providerOfOperator",
  `SELECT provider_id AS "providerId" FROM operator WHERE id = $1`,
);

/**
 * client:manage where the client belongs: its operator (or that operator's provider), its provider, or,
 * for frontend clients, installation-wide.
 */
async function authorizeClientChange(tx: EntityManager, caller: Caller, c: OidcClientEntity): Promise<void> {
  const id = toGlobalId("Client", c.id);
  if (c.operatorId === null && c.providerId === null) {
    return authorizeInstallation(caller, Permission.ClientManage, { kind: "Client", id });
  }
  let providerId = c.providerId;
  if (providerId === null) {
    const [op] = (await tx.query(PROVIDER_OF_OPERATOR, [c.operatorId])) as { providerId: string }[];
    providerId = op!.providerId;
  }
  authorize(caller, Permission.ClientManage, { kind: "Client", id, providerId, operatorId: c.operatorId });
}

const NOTIFY_CHANGED = sql("authn.client.notifyChanged", `SELECT pg_notify($1, $2)`);

/** Every process forgets its cached copy of the client when the transaction commits. */
async function changed(tx: EntityManager, clientId: string): Promise<void> {
  await tx.query(NOTIFY_CHANGED, [CLIENTS_CHANGED_CHANNEL, clientId]);
}

/** Exact redirect URIs: absolute, http(s), no fragment; plain http only to loopback addresses. */
function redirectUrisOf(uris: string[], field: string, required: boolean): string[] {
  if (required && uris.length === 0) throw badInput(field, `${field} needs at least one URI`);
  if (uris.length > 20) throw badInput(field, `${field} may hold at most 20 URIs`);
  return uris.map((raw, i) => {
    const u = URL.parse(raw);
    const f = `${field}[${i}]`;
    if (!u || (u.protocol !== "https:" && u.protocol !== "http:"))
      throw badInput(f, `${f} must be an absolute http(s) URL`);
    if (u.hash) throw badInput(f, `${f} must not have a fragment`);
    const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(u.hostname);
    if (u.protocol === "http:" && !loopback)
      throw badInput(f, `${f} must use https (http only for localhost)`);
    return raw;
  });
}
