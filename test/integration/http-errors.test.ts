import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { type TestServer, startTestServer } from "../support/server.js";

/** Starts a server as if NODE_ENV were `env` (Express reads it when the app is made). */
async function serverUnder(db: TestDatabase, env: string | undefined): Promise<TestServer> {
  const before = process.env.NODE_ENV;
  if (env === undefined) delete process.env.NODE_ENV;
  else process.env.NODE_ENV = env;
  try {
    return await startTestServer(db.ds);
  } finally {
    process.env.NODE_ENV = before;
  }
}

const TWO_MB = "x".repeat(2 * 1024 * 1024);

type Hostile = { name: string; body: string; contentType: string };
const HOSTILE: Hostile[] = [
  { name: "a 2 MB body", body: JSON.stringify({ query: TWO_MB }), contentType: "application/json" },
  { name: "broken JSON", body: '{"query": "{ __typename }", /usr/lib/x', contentType: "application/json" },
  {
    name: "charset=latin1",
    body: '{"query":"{ __typename }"}',
    contentType: "application/json; charset=latin1",
  },
];
const FORM_HOSTILE: Hostile[] = [
  { name: "a 2 MB body", body: `email=${TWO_MB}`, contentType: "application/x-www-form-urlencoded" },
  {
    name: "charset=latin1",
    body: "email=a",
    contentType: "application/x-www-form-urlencoded; charset=latin1",
  },
];

/** Nothing of the server's insides: no stack line, no module path, no absolute file path. */
function expectNoInsides(body: string) {
  expect(body).not.toContain("node_modules");
  expect(body).not.toMatch(/\n\s*at /);
  expect(body).not.toMatch(/ at [^\s]+ \(/);
  expect(body).not.toMatch(/(^|[\s("'])\/(usr|home|work|tmp|var|opt|root|nix|srv)\b/);
  expect(body).not.toMatch(/[^<]\/[\w.-]+\/[\w.-]+\.(js|ts|mjs|cjs)\b/);
}

const post = (url: string, h: Hostile) =>
  fetch(url, { method: "POST", headers: { "content-type": h.contentType }, body: h.body });

describe.each([
  ["NODE_ENV unset", undefined],
  ["NODE_ENV=development", "development"],
])("HTTP errors with %s", (_label, env) => {
  let db: TestDatabase;
  let server: TestServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await serverUnder(db, env);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  const CODES: Record<string, [number, string]> = {
    "a 2 MB body": [413, "PAYLOAD_TOO_LARGE"],
    "broken JSON": [400, "BAD_REQUEST"],
    "charset=latin1": [415, "UNSUPPORTED_MEDIA_TYPE"],
  };

  it.each(HOSTILE)("/graphql answers $name with a JSON error and a stable code", async (h) => {
    const res = await post(`${server.url}/graphql`, h);
    const text = await res.text();
    expectNoInsides(text);
    const [status, code] = CODES[h.name]!;
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(JSON.parse(text)).toEqual({ errors: [{ message: expect.any(String), extensions: { code } }] });
  });

  it.each(HOSTILE)("/webhooks/netbox answers $name without the server's insides", async (h) => {
    const res = await post(`${server.url}/webhooks/netbox/no-such-provider`, h);
    const text = await res.text();
    expectNoInsides(text);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    if (h.name === "a 2 MB body") {
      expect(res.status).toBe(413);
      expect(JSON.parse(text)).toEqual({
        errors: [{ message: expect.any(String), extensions: { code: "PAYLOAD_TOO_LARGE" } }],
      });
    }
  });

  it.each([...FORM_HOSTILE, HOSTILE[1]!])("/interaction answers $name with a plain page", async (h) => {
    const res = await post(`${server.url}/interaction/some-uid/login`, h);
    const text = await res.text();
    expectNoInsides(text);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.headers.get("content-type")).toMatch(/^text\/(html|plain)/);
    if (h.name in CODES && h.body.startsWith("email=")) expect(res.status).toBe(CODES[h.name]![0]);
  });

  it("answers an unknown route with a JSON 404, not Express's page", async () => {
    for (const path of ["/nope", "/webhooks/netbox", "/webhooks/netbox/a/b", "/accounting/nope"]) {
      const res = await fetch(`${server.url}${path}`, { method: "POST" });
      const text = await res.text();
      expectNoInsides(text);
      expect(res.status).toBe(404);
      expect(text).not.toContain("Cannot POST");
      expect(JSON.parse(text)).toEqual({
        errors: [{ message: expect.any(String), extensions: { code: "NOT_FOUND" } }],
      });
    }
  });

  it("answers an unknown /interaction path with a page, not Express's", async () => {
    const res = await fetch(`${server.url}/interaction/x/y/z`);
    const text = await res.text();
    expect(res.status).toBe(404);
    expect(text).not.toContain("Cannot GET");
    expect(res.headers.get("content-type")).toMatch(/^text\/(html|plain)/);
  });
});
