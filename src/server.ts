import { randomUUID } from "node:crypto";
import http from "node:http";
import { expressMiddleware } from "@as-integrations/express5";
import express from "express";
import type { DataSource } from "typeorm";
import type { Config } from "./config.js";
import { dbOf } from "./db/db.js";
import { pendingMigrations } from "./db/readiness.js";
import { requestScope } from "./db/request-scope.js";
import { createApolloServer } from "./graphql/apollo.js";
import type { RequestContext } from "./graphql/context.js";
import { createLoaders } from "./graphql/loaders.js";
import { createSchema } from "./graphql/schema.js";
import type { Logger } from "./logger.js";
import { createServices } from "./services.js";

export type RunningServer = { url: string; port: number; stop: () => Promise<void> };

/** The composition root: one HTTP server with /graphql, /healthz and /readyz. */
export async function startServer(config: Config, ds: DataSource, log: Logger): Promise<RunningServer> {
  const schema = await createSchema();
  const apollo = createApolloServer(schema, {
    log,
    maxDepth: config.graphqlMaxDepth,
    introspection: config.graphqlIntrospection,
    sqlCountHeader: config.graphqlSqlCountHeader,
  });
  await apollo.start();
  const services = createServices(ds);
  const db = dbOf(ds);

  const app = express();
  app.disable("x-powered-by");
  // A SHA-1 ETag over every large GraphQL POST response costs CPU and no cache can use it.
  app.set("etag", false);
  app.set("trust proxy", config.publicUrl.startsWith("https:") ? 1 : false);
  let draining = false;

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res) => {
    try {
      const pending = await pendingMigrations(ds);
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

  app.use(
    "/graphql",
    express.json({ limit: "1mb" }),
    // After the body parser: its stream callbacks would run outside this request's scope.
    (req, res, next) => {
      const requestId = (req.header("x-request-id") ?? "").slice(0, 100) || randomUUID();
      res.setHeader("x-request-id", requestId);
      res.locals.requestId = requestId;
      requestScope.run({ sqlStatements: 0 }, next);
    },
    expressMiddleware(apollo, {
      context: async ({ req, res }): Promise<RequestContext> => ({
        requestId: res.locals.requestId as string,
        principal: null,
        client: { ip: req.ip ?? null, userAgent: req.header("user-agent") ?? null },
        loaders: createLoaders(db),
        services,
      }),
    }),
  );

  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  log.info({ port, host: config.host }, `fedicentral listening on http://${config.host}:${port}/graphql`);

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: async () => {
      draining = true;
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
    },
  };
}
