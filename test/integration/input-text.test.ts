import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { type TestServer, gql, gqlWithJsonVariables, startTestServer } from "../support/server.js";

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("text PostgreSQL cannot store, and forged cursors, answer BAD_USER_INPUT", () => {
  let db: TestDatabase;
  let server: TestServer;
  let f: ReturnType<typeof factories>;
  let provider: { id: string; gid: string };
  let deployment: { gid: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startTestServer(db.ds);
    f = factories(db.ds);
    provider = await f.provider();
    const operator = await f.operator(provider.id);
    deployment = await f.deployment(operator.id);
    for (let i = 0; i < 3; i++) await f.operator(provider.id);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  const refused = (res: { errors?: { extensions?: Record<string, unknown> }[] }, field: string) =>
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });

  it("refuses a NUL byte in a filter, whether in a variable or in the query text", async () => {
    refused(
      await gql(server, `query($n: String) { operators(filter: { nameContains: $n }) { totalCount } }`, {
        n: "a\u0000b",
      }),
      "filter.nameContains",
    );
    refused(
      await gql(server, `{ operators(filter: { nameContains: "a\\u0000b" }) { totalCount } }`),
      "filter.nameContains",
    );
  });

  it("refuses a NUL byte in an idempotency key and in a service account's name", async () => {
    const apply = await gql(
      server,
      `mutation($d: ID!, $k: String!) { applyDeployment(deploymentId: $d, idempotencyKey: $k) { id } }`,
      { d: deployment.gid, k: "key\u0000" },
    );
    refused(apply, "idempotencyKey");
    const account = await gql(
      server,
      `mutation($input: CreateServiceAccountInput!) { createServiceAccount(input: $input) { client { id } } }`,
      { input: { name: "robot\u0000", role: "provider-viewer", providerId: provider.gid } },
    );
    refused(account, "input.name");
  });

  it("refuses lone surrogates, and NUL in JSON values and keys", async () => {
    refused(
      await gql(server, `query($n: String) { operators(filter: { nameContains: $n }) { totalCount } }`, {
        n: "\ud800",
      }),
      "filter.nameContains",
    );
    const setInfo = `mutation($id: ID!, $info: JSONObject!) { setProviderBespokeInfo(id: $id, info: $info) { id } }`;
    refused(await gql(server, setInfo, { id: provider.gid, info: { a: ["x", "y\u0000"] } }), "info.a.1");
    refused(await gql(server, setInfo, { id: provider.gid, info: { "k\u0000": 1 } }), "info");
    refused(await gql(server, setInfo, { id: provider.gid, info: { a: "\udc00" } }), "info.a");
    // GraphQL's own parser already refuses a lone surrogate written into the query text.
    const literal = await gql(server, `{ operators(filter: { nameContains: "\\ud800" }) { totalCount } }`);
    expect(literal.errors?.[0]?.extensions).toMatchObject({ code: "GRAPHQL_PARSE_FAILED" });
  });

  it("refuses JSON input nested too deep before anything walks it", async () => {
    const deep = `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`;
    const res = await gqlWithJsonVariables(
      server,
      `mutation($id: ID!, $info: JSONObject!) { setProviderBespokeInfo(id: $id, info: $info) { id } }`,
      `{"id":${JSON.stringify(provider.gid)},"info":${deep}}`,
    );
    expect(res.status).toBe(400);
    refused(res, `info${".a".repeat(64)}`);
  });

  it("refuses forged cursors naming after or before", async () => {
    const list = `query($a: String, $b: String, $l: Int) { operators(after: $a, before: $b, last: $l) { nodes { name } } }`;
    for (const forged of [
      ["zzz", "not-a-uuid"],
      [{}, [2]],
      ["1e26"],
      ["a\u0000", "00000000-0000-0000-0000-000000000000"],
    ]) {
      refused(await gql(server, list, { a: cursorOf(forged) }), "after");
      refused(await gql(server, list, { b: cursorOf(forged), l: 2 }), "before");
    }
    const runs = `query($a: String) { runs(after: $a) { nodes { id } } }`;
    for (const forged of [["1e26"], [1e26], ["12x"], [1.5], [null]])
      refused(await gql(server, runs, { a: cursorOf(forged) }), "after");
    const events = `query($a: String) { accountingEvents(after: $a) { nodes { id } } }`;
    for (const forged of [
      ["2024-02-30 10:00:00+00", "1"],
      ["yesterday", "1"],
      ["2024-01-01T00:00:00.000000Z", "00000000-0000-0000-0000-000000000000"],
    ])
      refused(await gql(server, events, { a: cursorOf(forged) }), "after");
    refused(await gql(server, runs, { a: "x".repeat(5000) }), "after");
  });

  it("answers any string or any JSON as a cursor with a page or BAD_USER_INPUT, never anything else", async () => {
    const queries = [
      `query($a: String) { operators(first: 2, after: $a) { nodes { name } } }`,
      `query($a: String) { runs(first: 2, after: $a) { nodes { id } } }`,
      `query($a: String) { accountingEvents(first: 2, after: $a) { nodes { id } } }`,
      `query($a: String) { providers(first: 2, after: $a) { nodes { slug } } }`,
    ];
    const cursor = fc.oneof(
      fc.string({ unit: "binary" }),
      fc.json().map((j) => Buffer.from(j).toString("base64url")),
      fc.array(fc.jsonValue(), { maxLength: 3 }).map(cursorOf),
      fc.tuple(fc.string({ unit: "binary" }), fc.string({ unit: "binary" })).map(cursorOf),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...queries), cursor, async (query, a) => {
        const res = await gql(server, query, { a });
        if (res.errors) {
          expect(res.errors[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT" });
          expect(res.status).toBeLessThan(500);
        } else expect(res.data).toBeDefined();
      }),
      { numRuns: 150 },
    );
  });
});
