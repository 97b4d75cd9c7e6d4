import http from "node:http";
import { expressMiddleware } from "@as-integrations/express5";
import express from "express";
import type { DataSource } from "typeorm";
import { accountingHttp } from "./accounting/accounting-http.js";
import { createAuthn, resolvePublicUrl, secretBoxFor } from "./authn/authn.js";
import type { Config } from "./config.js";
import { dbOf } from "./db/db.js";
import { pendingMigrations, within } from "./db/readiness.js";
import { requestScope } from "./db/request-scope.js";
import { createApolloServer } from "./graphql/apollo.js";
import { explorerRoutes } from "./graphql/explorer/explorer-routes.js";
import type { RequestContext } from "./api/context.js";
import { createLoaders, createServices, sqlReads } from "./modules.js";
import { sqlRead } from "./graphql/sql-read/read.js";
import { buildRawSchema, createSchema } from "./graphql/schema.js";
import { attachSubscriptions } from "./graphql/subscriptions.js";
import { queryGate } from "./graphql/query-limits.js";
import { queryGateHttp } from "./graphql/query-gate-http.js";
import type { Logger } from "./logger.js";
import { accessLog } from "./http/access-log.js";
import { serverOptions } from "./http/http-config.js";
import { httpErrors } from "./http/http-errors.js";
import { sendLargeTextDirectly } from "./http/large-text.js";
import { requestIdOf } from "./http/request-id.js";
import { httpMetrics } from "./metrics/http-metrics.js";
import { answerScrape } from "./metrics/metrics-endpoint.js";
import { scrapeRegistry } from "./metrics/scrape.js";
import { netboxWebhookRouter } from "./netbox/netbox-webhook.js";
import { addressOf, apiRefusal, limitRequests, oauthRefusal } from "./limits/rate-limit-http.js";
import { createRateLimits } from "./limits/rate-limits.js";
import { Access } from "./authz/access.js";
import { httpAuthorizer } from "./authz/http-authorizer.js";
import { watchPolicies } from "./authz/watcher.js";
import type { Principal } from "./common/principal.js";

/** Ways for tests and benchmarks to drive the server; production passes none. */
export type ServerSeams = {
  /** Benchmarks only: a fixed principal instead of the one a verified access token names (src/authn/). */
  principalOf?: (req: express.Request) => Principal | null;
  /** Benchmarks only: no rules, no scoping, to measure what authorization costs. */
  authorizationOff?: boolean;
};

export type RunningServer = { url: string; port: number; stop: () => Promise<void> };

/** How long /readyz waits for the database before it answers 503 (probes time out after a few seconds). */
const READY_TIMEOUT_MS = 2000;

const principalKey = (req: express.Request, p: Principal | null | undefined) =>
  p ? `${p.kind}:${p.id}` : `ip:${addressOf(req)}`;

/** The composition root: one HTTP server with /graphql, /healthz and /readyz. */
export async function startServer(
  config: Config,
  ds: DataSource,
  log: Logger,
  seams: ServerSeams = {},
): Promise<RunningServer> {
  const schema = seams.authorizationOff ? await buildRawSchema() : await createSchema();
  const apollo = createApolloServer(schema, {
    log,
    maxTokens: config.graphqlLimits.tokens,
    introspection: config.graphqlIntrospection,
    sqlCountHeader: config.graphqlSqlCountHeader,
    sqlRead: config.graphqlSqlReads ? sqlRead(schema, sqlReads, dbOf(ds)) : undefined,
  });
  await apollo.start();
  const gate = queryGate(schema, config.graphqlLimits);
  const box = secretBoxFor(config, log);
  const services = createServices(ds, {
    log,
    enforcerCacheSize: config.authz.enforcerCacheSize,
    secretBox: box,
    loginLimits: config.authn,
  });
  const limits = createRateLimits(ds, config.limits);
  const authn = await createAuthn(config, ds, log, {
    box,
    users: services.users,
    clientFailures: limits.tokenClientFailures,
  });
  // Every process hears of policy changes made by any other (PostgreSQL LISTEN/NOTIFY).
  const policyWatcher = watchPolicies(ds, services.authz, log);
  await policyWatcher.ready;
  const db = dbOf(ds);

  const app = express();
  app.disable("x-powered-by");
  // A SHA-1 ETag over every large GraphQL POST response costs CPU and no cache can use it.
  app.set("etag", false);
  app.set("trust proxy", config.publicUrl.startsWith("https:") ? 1 : false);
  let draining = false;

  app.use(accessLog(log, config.httpAccessLog));
  app.use(httpMetrics());
  if (config.metrics.enabled) {
    const registry = scrapeRegistry(ds);
    app.get("/metrics", (req, res) => void answerScrape(req, res, registry, config.metrics));
  }

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res) => {
    try {
      // A database that accepts connections but never answers is as unready as one that refuses them.
      const pending = await within(pendingMigrations(ds), READY_TIMEOUT_MS);
      if (draining || pending.length > 0) {
        res.status(503).json({ status: draining ? "draining" : "migrations pending", pending });
        return;
      }
      res.json({ status: "ready" });
    } catch (e) {
      log.warn({ err: e }, "readiness check failed");
      res.status(503).json({ status: "database unreachable" });
    }
  });

  // Every request authenticating a client (token, introspection, revocation), per client address.
  app.use("/oidc/token", limitRequests(limits.tokenIp, addressOf, oauthRefusal("too many requests")));
  // oidc-provider parses its own bodies: mounted before any body parser.
  app.use("/oidc", authn.oidc);
  app.use("/interaction", authn.interaction);
  // Exports are authorized like GraphQL: the bearer token's principal and its access (src/authz/).
  app.use(
    "/accounting",
    authn.authenticate,
    accountingHttp({ ds, log, authorize: httpAuthorizer(ds, services) }),
  );
  // Raw body: X-Hook-Signature is an HMAC of the exact bytes NetBox sent.
  app.use(
    "/webhooks/netbox",
    limitRequests(limits.webhookIp, addressOf, apiRefusal),
    netboxWebhookRouter(ds, log, services.failures),
  );
  // A browser's GET /graphql gets the explorer page; every other request goes on to the API.
  let publicUrl = config.publicUrl;
  if (config.graphqlExplorer) app.use(explorerRoutes(() => publicUrl));
  app.use(
    "/graphql",
    express.json({ limit: "1mb" }),
    // Before authentication and GraphQL's validation: a refused query costs its parse and one pass.
    queryGateHttp(gate),
    // After the body parser: its stream callbacks would run outside this request's scope.
    (req, res, next) => {
      res.locals.requestId = requestIdOf(req);
      requestScope.run({ sqlStatements: 0 }, next);
    },
    authn.authenticate,
    // Per principal once it is known; anonymous requests per client address.
    limitRequests(limits.graphql, (req, res) => principalKey(req, res.locals.principal), apiRefusal),
    sendLargeTextDirectly,
    expressMiddleware(apollo, {
      context: async ({ req, res }): Promise<RequestContext> => {
        const principal = seams.principalOf
          ? seams.principalOf(req)
          : ((res.locals.principal as Principal) ?? null);
        const access = seams.authorizationOff ? Access.system() : await services.authz.accessFor(principal);
        return {
          requestId: res.locals.requestId as string,
          principal,
          client: { ip: req.ip ?? null, userAgent: req.header("user-agent") ?? null },
          access,
          loaders: createLoaders(db, access),
          services,
        };
      },
    }),
  );

  // Last: unknown routes and failures of any route, answered without Express's page (stack traces, paths).
  app.use(...httpErrors(log));

  // Slow clients are cut off and connections capped, so they cannot hold the process's sockets.
  const server = http.createServer(serverOptions(config.http), app);
  server.maxConnections = config.http.maxConnections;
  // Subscriptions (graphql-ws) on the same /graphql path, authenticated like HTTP requests.
  const subscriptions = attachSubscriptions(server, {
    schema,
    ds,
    services,
    log,
    queryGate: gate,
    resolvePrincipal: seams.principalOf
      ? async (_authorization, req) => seams.principalOf!(req as express.Request)
      : authn.principalOf,
    // The same access and scoped loaders as an HTTP request of that principal gets.
    contextFor: async (caller) => {
      const access = seams.authorizationOff
        ? Access.system()
        : await services.authz.accessFor(caller.principal);
      return { ...caller, access, loaders: createLoaders(db, access), services };
    },
  });
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  publicUrl = resolvePublicUrl(config, port);
  await authn.start(publicUrl);
  log.info({ port, host: config.host }, `fedicentral listening on http://${config.host}:${port}/graphql`);

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: async () => {
      draining = true;
      await subscriptions.close();
      // Stop accepting, let in-flight requests finish, then drop idle keep-alive sockets.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive sockets go idle as their last response is sent; close them as they do.
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
      await closed;
      clearInterval(sweep);
      clearTimeout(grace);
      await apollo.stop();
      await policyWatcher.stop();
      await authn.stop();
    },
  };
}
