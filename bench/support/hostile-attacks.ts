import { randomBytes } from "node:crypto";

/**
 * The hostile requests of the hostile bench: the worst request of each kind that the hardening issue
 * found, each built as raw HTTP so nothing in the client softens it.
 */

export type Attack = {
  name: string;
  /** Who sends it: "anonymous" attacks carry no credential. */
  as: "anonymous" | "viewer" | "admin";
  /** A request that may succeed once the fix is in (its harm was the time it took): only its speed counts. */
  mayBeAnswered?: true;
  /** One request; called again for every send (a sign-in attempt needs a fresh password, say). */
  request: (ctx: AttackContext) => {
    path: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
  };
};

export type AttackContext = {
  viewerToken: string;
  adminToken: string;
  /** Ids (global) the attacks aim at. */
  runId: string;
  foreignDeploymentId: string;
  operatorId: string;
  providerId: string;
  providerSlug: string;
  clientId: string;
  /** The sign-in form: its action (a path), CSRF token and cookies. */
  signIn: { action: string; csrf: string; cookie: string; email: string };
  /** A counter, so repeated requests differ where they must. */
  n: number;
};

/** 15 KB that no compression shrinks, new for every request: what a flood of them costs on disk. */
export const longUserAgent = () => `hostile/${randomBytes(11 * 1024).toString("base64")}`;

const gqlBody = (query: string, variables: Record<string, unknown> = {}) =>
  JSON.stringify({ query, variables });
const json = { "content-type": "application/json" };
const bearer = (t: string) => ({ ...json, authorization: `Bearer ${t}` });
const aliases = (n: number, field: string) =>
  Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(" ");

/** `query { ...F0 } fragment F0 on Query { ...F1 x6 } ... fragment F<levels> on Query { __typename }`. */
export function fragmentChain(levels: number, spreads: number): string {
  const parts = ["query { ...F0 }"];
  for (let i = 0; i < levels; i++)
    parts.push(`fragment F${i} on Query { ${`...F${i + 1} `.repeat(spreads)}}`);
  parts.push(`fragment F${levels} on Query { __typename }`);
  return parts.join(" ");
}

const cursor = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

export const ATTACKS: Attack[] = [
  {
    name: "fragment-chain",
    as: "anonymous",
    request: () => ({ path: "/graphql", headers: json, body: gqlBody(fragmentChain(12, 6)) }),
  },
  {
    name: "run-progress-aliases",
    as: "viewer",
    request: (c) => ({
      path: "/graphql",
      headers: bearer(c.viewerToken),
      body: gqlBody(`query($id: ID!) { run(id: $id) { ${aliases(10, "progress { created }")} } }`, {
        id: c.runId,
      }),
    }),
  },
  {
    name: "run-log-aliases",
    as: "viewer",
    request: (c) => ({
      path: "/graphql",
      headers: bearer(c.viewerToken),
      body: gqlBody(`query($id: ID!) { run(id: $id) { ${aliases(250, "log(limit: 1048576) { text }")} } }`, {
        id: c.runId,
      }),
    }),
  },
  {
    name: "schema-aliases",
    as: "viewer",
    request: (c) => ({
      path: "/graphql",
      headers: bearer(c.viewerToken),
      body: gqlBody(`{ ${aliases(150, "__schema { types { name fields { name type { name } } } }")} }`),
    }),
  },
  {
    name: "denied-config-aliases",
    as: "viewer",
    request: (c) => ({
      path: "/graphql",
      headers: bearer(c.viewerToken),
      body: gqlBody(`query($d: ID!) { ${aliases(1000, "deploymentConfig(deploymentId: $d)")} }`, {
        d: c.foreignDeploymentId,
      }),
    }),
  },
  {
    name: "webhook-bad-signature",
    as: "anonymous",
    request: (c) => ({
      path: `/webhooks/netbox/${c.providerSlug}`,
      headers: { ...json, "x-hook-signature": "00".repeat(64), "user-agent": longUserAgent() },
      body: JSON.stringify({ event: "updated", model: "device", data: { id: c.n } }),
    }),
  },
  {
    name: "sign-in-wrong-password",
    as: "anonymous",
    request: (c) => ({
      path: c.signIn.action,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie: c.signIn.cookie,
        "user-agent": longUserAgent(),
      },
      body: new URLSearchParams({
        csrf: c.signIn.csrf,
        email: c.signIn.email,
        password: `wrong password ${c.n}`,
      }).toString(),
    }),
  },
  {
    name: "token-wrong-secret",
    as: "anonymous",
    request: (c) => ({
      path: "/oidc/token",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${c.clientId}:wrong-${c.n}`).toString("base64")}`,
        "user-agent": longUserAgent(),
      },
      body: "grant_type=client_credentials&scope=api",
    }),
  },
  {
    name: "body-2mb",
    as: "anonymous",
    request: () => ({ path: "/graphql", headers: json, body: Buffer.alloc(2 * 1024 * 1024, 0x20) }),
  },
  {
    name: "body-broken-json",
    as: "anonymous",
    request: () => ({ path: "/graphql", headers: json, body: '{"query": "{ __typename }"' }),
  },
  {
    name: "body-latin1",
    as: "anonymous",
    request: () => ({
      path: "/graphql",
      headers: { "content-type": "application/json; charset=latin1" },
      body: gqlBody("{ __typename }"),
    }),
  },
  {
    // With patterns run in linear time this schema is harmless, so setting it may succeed.
    name: "schema-catastrophic-pattern",
    as: "admin",
    mayBeAnswered: true,
    request: (c) => ({
      path: "/graphql",
      headers: bearer(c.adminToken),
      body: gqlBody(
        `mutation($id: ID!, $s: JSONObject!) { setProviderSchemas(id: $id, input: { operatorInfoSchema: $s }) { id } }`,
        {
          id: c.providerId,
          s: { type: "object", properties: { code: { type: "string", pattern: "^(a+)+$" } } },
        },
      ),
    }),
  },
  {
    name: "value-against-pattern",
    as: "admin",
    request: (c) => ({
      path: "/graphql",
      headers: bearer(c.adminToken),
      body: gqlBody(
        `mutation($id: ID!, $i: JSONObject!) { setOperatorBespokeInfo(id: $id, info: $i) { id } }`,
        {
          id: c.operatorId,
          i: { code: `${"a".repeat(30)}!` },
        },
      ),
    }),
  },
  {
    name: "nul-byte-filter",
    as: "viewer",
    request: (c) => ({
      path: "/graphql",
      headers: bearer(c.viewerToken),
      body: gqlBody(`query($f: String!) { operators(filter: { nameContains: $f }) { nodes { id } } }`, {
        f: "a\u0000b",
      }),
    }),
  },
  {
    name: "forged-cursor",
    as: "viewer",
    request: (c) => ({
      path: "/graphql",
      headers: bearer(c.viewerToken),
      body: gqlBody(`query($a: String!) { operators(after: $a) { nodes { id } } }`, {
        a: [cursor(["zzz", "not-a-uuid"]), cursor([{}, [2]]), cursor(["1e26"])][c.n % 3],
      }),
    }),
  },
];

// Codes that say "refused: your request", as opposed to an answer or a failure of ours.
const REFUSAL_CODES = new Set([
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "FORBIDDEN",
  "NOT_FOUND",
  "UNAUTHENTICATED",
  "RATE_LIMITED",
  "QUERY_TOO_COMPLEX",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
]);

/** How an answer counts: refused with a 4xx (the goal), refused inside a 200, or answered. */
export function verdictOf(status: number, body: Buffer): "4xx" | "refused-200" | "answered" {
  if (status >= 400 && status < 500) return "4xx";
  if (status !== 200 || body.length > 4 * 1024 * 1024) return "answered";
  try {
    const parsed = JSON.parse(body.toString("utf8")) as { errors?: { extensions?: { code?: string } }[] };
    const codes = (parsed.errors ?? []).map((e) => e.extensions?.code ?? "");
    return codes.length > 0 && codes.every((c) => REFUSAL_CODES.has(c)) ? "refused-200" : "answered";
  } catch {
    return "answered";
  }
}
