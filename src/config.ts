import { z } from "zod";
import { ConfigError } from "./common/config-error.js";
import { envBool } from "./common/env-bool.js";
import { withSecretFiles } from "./common/secret-file.js";
import { type AuthnConfig, authnEnv, toAuthnConfig } from "./authn/authn-config.js";
import { type AuthzConfig, authzEnv, toAuthzConfig } from "./authz/authz-config.js";
import { type HttpConfig, httpEnv, toHttpConfig } from "./http/http-config.js";
import { type LimitsConfig, limitsEnv, toLimitsConfig } from "./limits/limits-config.js";
import { type MetricsConfig, metricsEnv, toMetricsConfig } from "./metrics/metrics-config.js";
import { queryLimitsEnv, toQueryLimits } from "./graphql/query-limits-config.js";
import type { QueryLimits } from "./graphql/query-limits.js";
import { type ProductionConfig, productionEnv, toProductionConfig } from "./production-config.js";
import { explorerEnv, toExplorerEnabled } from "./graphql/explorer/explorer-config.js";

// Every setting comes from the environment; a bad value stops the process with the variable's name.

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default("127.0.0.1"),
  PUBLIC_URL: z.url().optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
    .optional(),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  DATA_DIR: z.string().min(1).default(".data"),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(5488),
  SEED_DEMO: envBool.optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  GRAPHQL_INTROSPECTION: envBool.default(true),
  GRAPHQL_SQL_COUNT_HEADER: envBool.default(false),
  GRAPHQL_SQL_READS: envBool.default(true),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  HTTP_ACCESS_LOG: envBool.default(false),
  ...authnEnv,
  ...authzEnv,
  ...metricsEnv,
  ...httpEnv,
  ...limitsEnv,
  ...queryLimitsEnv,
  ...productionEnv,
  ...explorerEnv,
});

export type Config = ProductionConfig & {
  port: number;
  host: string;
  publicUrl: string;
  databaseUrl: string | undefined;
  dbPoolSize: number;
  dataDir: string;
  embeddedPgPort: number;
  seedDemo: boolean;
  logLevel: z.infer<typeof schema>["LOG_LEVEL"];
  graphqlLimits: QueryLimits;
  graphqlIntrospection: boolean;
  graphqlSqlCountHeader: boolean;
  /** Answer reads the planner can in one SQL statement (src/graphql/sql-read/). */
  graphqlSqlReads: boolean;
  /** Serve the GraphQL explorer (GraphiQL) to browsers at GET /graphql. */
  graphqlExplorer: boolean;
  shutdownGraceMs: number;
  httpAccessLog: boolean;
  authn: AuthnConfig;
  authz: AuthzConfig;
  metrics: MetricsConfig;
  http: HttpConfig;
  limits: LimitsConfig;
};

export { ConfigError };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(stripEmpty(withSecretFiles(env)));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const production = toProductionConfig(e);
  return {
    ...production,
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ""),
    databaseUrl: e.DATABASE_URL,
    dbPoolSize: e.DB_POOL_SIZE,
    dataDir: e.DATA_DIR,
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    seedDemo: e.SEED_DEMO ?? e.DATABASE_URL === undefined,
    logLevel: e.LOG_LEVEL,
    graphqlLimits: toQueryLimits(e),
    graphqlIntrospection: e.GRAPHQL_INTROSPECTION,
    graphqlSqlCountHeader: e.GRAPHQL_SQL_COUNT_HEADER,
    graphqlSqlReads: e.GRAPHQL_SQL_READS,
    graphqlExplorer: toExplorerEnabled(e, production.production),
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    httpAccessLog: e.HTTP_ACCESS_LOG,
    authn: toAuthnConfig(e),
    authz: toAuthzConfig(e),
    metrics: toMetricsConfig(e),
    http: toHttpConfig(e),
    limits: toLimitsConfig(e),
  };
}

// An empty variable means "unset", as in most twelve-factor services.
function stripEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== "") out[k] = v;
  return out;
}
