// GraphQL subscriptions over WebSocket (the graphql-ws protocol) on the same /graphql path as HTTP. Only
// subscriptions are served here: queries and mutations keep the one HTTP path with its plugins.

import { randomUUID } from "node:crypto";
import type http from "node:http";
import { GraphQLError, type GraphQLSchema } from "graphql";
import type { Context } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import type { DataSource } from "typeorm";
import { WebSocketServer } from "ws";
import type { Principal } from "../common/principal.js";
import { Access } from "../authz/access.js";
import { dbOf } from "../db/db.js";
import { sharedNotifications } from "../db/notifications.js";
import type { Logger } from "../logger.js";
import { RunEventSource } from "../runs/run-events.js";
import type { SubscriptionContext } from "../runs/run-events.resolver.js";
import type { Services } from "../api/context.js";
import { maskUnexpected } from "./apollo.js";
import type { RequestContext } from "../api/context.js";
import type { Caller } from "../common/caller.js";
import type { QueryGate } from "./query-limits.js";
import { createLoaders } from "../modules.js";
import { requestIdOf } from "../http/request-id.js";

/**
 * Turns the value a client sends as `connectionParams.authorization` (the same `Bearer …` value as the
 * HTTP Authorization header) into the principal, or null for anonymous; throws to refuse the connection.
 * The upgrade request is there for test seams that name the principal by header.
 */
export type PrincipalResolver = (
  authorization: string | null,
  request: http.IncomingMessage,
) => Promise<Principal | null>;

/**
 * SEAM(authentication, issue #3): until authentication lands, every connection is anonymous, exactly
 * like HTTP requests today. Pass the principal-resolution function that authentication exposes for the
 * HTTP Authorization header instead, so that both transports authenticate the same way.
 */
export const anonymousUntilAuthentication: PrincipalResolver = async () => null;

export type SubscriptionServerOptions = {
  schema: GraphQLSchema;
  ds: DataSource;
  services: Services;
  log: Logger;
  /** The same query limits as HTTP requests have. */
  queryGate: QueryGate;
  resolvePrincipal: PrincipalResolver;
  /**
   * Builds an operation's context for the connection's caller the way HTTP requests get theirs (loaders
   * scoped to what the caller may read, and the like); called again for fresh loaders on state events.
   */
  contextFor?: (caller: Caller) => Promise<RequestContext>;
};

export type SubscriptionServer = {
  /** Closes every WebSocket (clients resume elsewhere with their offsets) and the notification listener. */
  close(): Promise<void>;
};

type Connection = {
  id: string;
  principal: Principal | null;
  client: { ip: string | null; userAgent: string | null };
};

const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Attaches the graphql-ws server to the HTTP server's upgrades of /graphql. */
export function attachSubscriptions(
  server: http.Server,
  opts: SubscriptionServerOptions,
): SubscriptionServer {
  const log = opts.log.child({ transport: "ws" });
  const db = dbOf(opts.ds);
  const notifications = sharedNotifications(opts.ds, log);
  const runEvents = new RunEventSource(db, notifications);
  const connections = new WeakMap<object, Connection>();
  // As large as an HTTP body to /graphql may be; ws would otherwise take messages of up to 100 MiB.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  // Other upgrade paths are left to whoever else listens for them.
  const onUpgrade = (req: http.IncomingMessage, socket: import("node:stream").Duplex, head: Buffer) => {
    if (new URL(req.url ?? "/", "http://x").pathname !== "/graphql") return;
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  };
  server.on("upgrade", onUpgrade);

  const contextFor =
    opts.contextFor ??
    (async (caller: Caller): Promise<RequestContext> => ({
      ...caller,
      access: undefined,
      loaders: createLoaders(db, Access.anonymous()),
      services: opts.services,
    }));
  const connectionOf = (
    ctx: Context<Record<string, unknown> | undefined, { request?: http.IncomingMessage }>,
  ) => connections.get(ctx) as Connection;

  const disposable = useServer<Record<string, unknown> | undefined, { request?: http.IncomingMessage }>(
    {
      schema: opts.schema,
      // Measured and refused before graphql-ws parses and validates it (with the tokens already counted).
      onSubscribe: (_ctx, _id, payload) => {
        const refusal = opts.queryGate.check(payload.query, payload.variables ?? undefined);
        return refusal ? [refusal] : undefined;
      },
      execute: () => ({
        errors: [
          new GraphQLError(
            "only subscriptions are served over WebSocket; send queries and mutations by POST",
            {
              extensions: { code: "BAD_REQUEST" },
            },
          ),
        ],
      }),
      onConnect: async (ctx) => {
        const raw = ctx.connectionParams?.authorization;
        const request = ctx.extra.request;
        const id = request ? requestIdOf(request) : randomUUID();
        try {
          const principal = await opts.resolvePrincipal(typeof raw === "string" ? raw : null, request);
          connections.set(ctx, {
            id,
            principal,
            client: {
              ip: request?.socket.remoteAddress ?? null,
              userAgent: (request?.headers["user-agent"] as string | undefined) ?? null,
            },
          });
          return true;
        } catch (e) {
          log.info({ err: e, requestId: id }, "WebSocket connection refused");
          // graphql-ws closes with 4403 Forbidden.
          return false;
        }
      },
      context: async (ctx, operationId): Promise<SubscriptionContext> => {
        const c = connectionOf(ctx);
        const caller: Caller = {
          requestId: `${c.id}:${operationId}`,
          principal: c.principal,
          client: c.client,
        };
        const context: SubscriptionContext = { ...(await contextFor(caller)), runEvents };
        context.refreshLoaders = async () => {
          const fresh = await contextFor(caller);
          context.loaders = fresh.loaders;
          context.access = fresh.access;
        };
        return context;
      },
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors
          ? { ...result, errors: result.errors.map((e) => maskUnexpected(e.toJSON(), e)) }
          : undefined,
      onError: (ctx, operationId, _payload, errors) => {
        const c = connectionOf(ctx);
        return errors.map((e) => {
          const masked = maskUnexpected(e.toJSON(), e);
          if (masked.extensions?.code === "INTERNAL_SERVER_ERROR")
            log.error(
              { err: e.originalError ?? e, requestId: `${c?.id}:${operationId}` },
              "subscription failed",
            );
          return masked;
        });
      },
    },
    wss,
  );

  return {
    async close() {
      server.off("upgrade", onUpgrade);
      for (const ws of wss.clients) ws.close(1001, "server shutting down");
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await notifications.release();
    },
  };
}
