import type { DataSource } from "typeorm";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { startServer, type RunningServer } from "../../src/server.js";

export type GqlResult<T = Record<string, unknown>> = {
  data?: T;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
};

/** The real HTTP server on a free port, over the test's own database. */
export async function startTestServer(
  ds: DataSource,
  env: Record<string, string> = {},
): Promise<RunningServer> {
  const config = loadConfig({ PORT: "0", LOG_LEVEL: "silent", DATABASE_URL: "postgres://unused/x", ...env });
  return startServer(config, ds, createLogger("silent"));
}

export async function gql<T = Record<string, any>>(
  server: { url: string },
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GqlResult<T> & { status: number }> {
  const res = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, ...((await res.json()) as GqlResult<T>) };
}
