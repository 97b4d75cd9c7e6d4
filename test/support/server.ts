import type { DataSource } from "typeorm";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { startServer, type RunningServer, type ServerSeams } from "../../src/server.js";
import { TEST_ENCRYPTION_KEY, mintAccessToken } from "./tokens.js";

/** The subject requests act as when they name none: a platform-admin, so tests of other areas see everything. */
export const TEST_ADMIN = "user:test-admin";
export const PRINCIPAL_HEADER = "x-test-principal";

/**
 * Headers that make gql() act as `user:<id>` / `client:<id>` (with a token signed by the server's own key)
 * or anonymously. The header never reaches the server: gql() turns it into an Authorization header.
 */
export const as = (subject: string | "anonymous") => ({ [PRINCIPAL_HEADER]: subject });

/** Headers for a request with exactly this token (or none: anonymous). */
export const withToken = (token: string | null) => ({ authorization: token ? `Bearer ${token}` : "" });

/** A test server: its gql() calls carry a platform-admin's access token unless told otherwise. */
export type TestServer = RunningServer & {
  /** The URL the server knows itself by: issuer is `${publicUrl}/oidc`. */
  publicUrl: string;
  /** The default token: TEST_ADMIN, a platform-admin (installation-wide). */
  token: string;
  /** An access token for `user:<id>` / `client:<id>`, signed with the server's current key. */
  tokenFor(subject: string): Promise<string>;
  ds: DataSource;
};

export type GqlResult<T = Record<string, unknown>> = {
  data?: T;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
};

/** The real HTTP server on a free port, over the test's own database. */
export async function startTestServer(
  ds: DataSource,
  env: Record<string, string> = {},
  seams: ServerSeams = {},
): Promise<TestServer> {
  const config = loadConfig({
    PORT: "0",
    LOG_LEVEL: "silent",
    DATABASE_URL: "postgres://unused/x",
    AUTH_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    ...env,
  });
  await ds.query(
    `INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', $1, 'platform-admin', 'installation') ON CONFLICT DO NOTHING`,
    [TEST_ADMIN],
  );
  const server = await startServer(config, ds, createLogger("silent"), seams);
  const publicUrl = env.PUBLIC_URL ?? server.url;
  const cache = new Map<string, { token: string; until: number }>();
  const tokenFor = async (subject: string) => {
    const hit = cache.get(subject);
    if (hit && hit.until > Date.now()) return hit.token;
    const i = subject.indexOf(":");
    const kind = subject.slice(0, i);
    if (kind !== "user" && kind !== "client") throw new Error(`bad subject ${subject}`);
    const token = await mintAccessToken(ds, publicUrl, { kind, id: subject.slice(i + 1) });
    cache.set(subject, { token, until: Date.now() + 120_000 });
    return token;
  };
  return { ...server, publicUrl, ds, tokenFor, token: await tokenFor(TEST_ADMIN) };
}

/** A GraphQL request; with a TestServer, as TEST_ADMIN unless headers say otherwise (see as, withToken). */
export async function gql<T = Record<string, any>>(
  server: { url: string } | TestServer,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GqlResult<T> & { status: number }> {
  const res = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(await authHeaders(server, headers)) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, ...((await res.json()) as GqlResult<T>) };
}

/**
 * A GraphQL request whose variables are given as JSON text, for values JSON.stringify cannot write
 * (nested deeper than the stack allows); as TEST_ADMIN.
 */
export async function gqlWithJsonVariables<T = Record<string, any>>(
  server: TestServer,
  query: string,
  variablesJson: string,
): Promise<GqlResult<T> & { status: number }> {
  const res = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${server.token}` },
    body: `{"query":${JSON.stringify(query)},"variables":${variablesJson}}`,
  });
  return { status: res.status, ...((await res.json()) as GqlResult<T>) };
}

/** Resolves as()/withToken() into the Authorization header the server sees. */
export async function authHeaders(
  server: { url: string } | TestServer,
  headers: Record<string, string>,
): Promise<Record<string, string>> {
  const { [PRINCIPAL_HEADER]: subject, authorization, ...rest } = headers;
  if (authorization !== undefined) return authorization ? { ...rest, authorization } : rest;
  if (subject === "anonymous") return rest;
  if (!("tokenFor" in server)) return rest;
  const token = subject ? await server.tokenFor(subject) : server.token;
  return { ...rest, authorization: `Bearer ${token}` };
}
