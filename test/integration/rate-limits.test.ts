import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Pool } from "pg";
import { RateLimit } from "../../src/limits/rate-limit.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { serviceAccount } from "../support/oidc.js";
import { type TestServer, as, gql, startTestServer } from "../support/server.js";

const LIMITS = {
  RATE_LIMIT_GRAPHQL: "5",
  RATE_LIMIT_TOKEN_IP: "8",
  RATE_LIMIT_TOKEN_CLIENT_FAILURES: "3",
  RATE_LIMIT_WEBHOOK_IP: "4",
};

/** A GraphQL POST with its headers. */
async function graphql(server: TestServer, headers: Record<string, string>) {
  const subject = headers["x-test-principal"];
  const auth =
    subject && subject !== "anonymous" ? { authorization: `Bearer ${await server.tokenFor(subject)}` } : {};
  return fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...auth },
    body: JSON.stringify({ query: "{ __typename }" }),
  });
}

const token = (server: TestServer, clientId: string, secret: string) =>
  fetch(`${server.url}/oidc/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString("base64")}`,
    },
    body: "grant_type=client_credentials&scope=api",
  });

function expectRetryAfter(res: Response) {
  const seconds = Number(res.headers.get("retry-after"));
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(60);
}

// Two server instances on one database stand for two replicas: every limit is counted in PostgreSQL.
describe("rate limits shared by every replica", () => {
  let db: TestDatabase;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startTestServer(db.ds, LIMITS);
    b = await startTestServer(db.ds, LIMITS);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await db?.drop();
  });

  it("limits GraphQL per principal across replicas, with RateLimit headers and RATE_LIMITED", async () => {
    const alice = as("user:alice");
    const statuses: number[] = [];
    for (const server of [a, b, a, b, a]) {
      const res = await graphql(server, alice);
      statuses.push(res.status);
      expect(res.headers.get("ratelimit-policy")).toBe('"graphql";q=5;w=60');
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200]);

    const refused = await graphql(b, alice);
    expect(refused.status).toBe(429);
    expectRetryAfter(refused);
    expect(refused.headers.get("ratelimit")).toMatch(/^"graphql";r=0;t=\d+$/);
    expect(await refused.json()).toEqual({
      errors: [
        { message: expect.stringContaining("too many requests"), extensions: { code: "RATE_LIMITED" } },
      ],
    });
    // Refused on the other replica too, and another principal is not affected.
    expect((await graphql(a, alice)).status).toBe(429);
    const bob = await graphql(a, as("user:bob"));
    expect(bob.status).toBe(200);
    expect(bob.headers.get("ratelimit")).toMatch(/^"graphql";r=4;t=\d+$/);
  });

  it("limits anonymous GraphQL requests per client address", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await graphql(i % 2 ? a : b, as("anonymous"))).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    // A signed-in principal from the same address has its own budget.
    expect((await gql(a, "{ __typename }", {}, as("user:carol"))).status).toBe(200);
  });

  it("limits wrong client secrets per client_id and every token request per address", async () => {
    const target = await serviceAccount(a);
    const other = await serviceAccount(a);
    const wrong: number[] = [];
    for (const server of [a, b, a])
      wrong.push((await token(server, target.clientId, "not-the-secret")).status);
    expect(wrong).toEqual([401, 401, 401]);

    // Past the failures allowed, the client is refused before its secret is checked, even the right one.
    for (const secret of ["not-the-secret", target.clientSecret]) {
      const refused = await token(b, target.clientId, secret);
      expect(refused.status).toBe(429);
      expectRetryAfter(refused);
      expect(refused.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await refused.json()).toEqual({
        error: "temporarily_unavailable",
        error_description: expect.stringContaining("too many failed client authentications"),
      });
    }
    // Another client is not affected; the address has made 5 of its 8 requests.
    const ok: number[] = [];
    for (const server of [a, b, a]) ok.push((await token(server, other.clientId, other.clientSecret)).status);
    expect(ok).toEqual([200, 200, 200]);
    const flood = await token(b, other.clientId, other.clientSecret);
    expect(flood.status).toBe(429);
    expectRetryAfter(flood);
    expect(flood.headers.get("ratelimit-policy")).toBe('"token-ip";q=8;w=60');
    expect(await flood.json()).toEqual({
      error: "temporarily_unavailable",
      error_description: expect.stringContaining("too many requests"),
    });
  });

  it("limits NetBox webhooks per address", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${(i % 2 ? a : b).url}/webhooks/netbox/nobody`, {
        method: "POST",
        body: "{}",
      });
      statuses.push(res.status);
      if (res.status === 429) {
        expectRetryAfter(res);
        expect(await res.json()).toEqual({
          errors: [{ message: expect.any(String), extensions: { code: "RATE_LIMITED" } }],
        });
      }
    }
    expect(statuses).toEqual([404, 404, 404, 404, 429, 429]);
  });

  it("counts in PostgreSQL, in a table of its own", async () => {
    const rows: { key: string }[] = await db.ds.query(`SELECT key FROM rate_limit ORDER BY key`);
    expect(rows.map((r) => r.key)).toEqual(
      expect.arrayContaining(["graphql:user:alice", "graphql:ip:127.0.0.1", "token-ip:127.0.0.1"]),
    );
  });
});

// A busy key is counted in the process and sent in batches; close to its limit every request is counted at once.
describe("a rate limit counted in the process far from its limit", () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = (db.ds.driver as unknown as { master: Pool }).master;
  });
  afterAll(async () => {
    await db?.drop();
  });

  const shared = async (key: string) => {
    const rows: { points: number }[] = await db.ds.query(`SELECT points FROM rate_limit WHERE key = $1`, [
      key,
    ]);
    return rows[0]?.points ?? 0;
  };

  it("sends the requests let through in one statement, and lets exactly the limit through", async () => {
    const limit = new RateLimit("busy", 100, 60, pool, { clearExpired: false, inProcess: true });
    const verdicts = [];
    for (let i = 0; i < 40; i++) verdicts.push(await limit.take("k"));
    expect(verdicts.every((v) => v.allowed)).toBe(true);
    expect(verdicts.map((v) => v.remaining).slice(-2)).toEqual([61, 60]);
    // Only the first request went to PostgreSQL; the others wait for the flush.
    expect(await shared("busy:k")).toBe(1);
    await limit.flush();
    expect(await shared("busy:k")).toBe(40);

    // Another replica's requests count too: from half the limit on, each request is counted at once.
    await new RateLimit("busy", 100, 60, pool, { clearExpired: false, inProcess: true }).take("k");
    const allowed: boolean[] = [];
    for (let i = 0; i < 61; i++) allowed.push((await limit.take("k")).allowed);
    expect(await shared("busy:k")).toBeGreaterThanOrEqual(100);
    expect(allowed.filter(Boolean)).toHaveLength(59);
    expect(allowed.slice(-2)).toEqual([false, false]);
  });
});
