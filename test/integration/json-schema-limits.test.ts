import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { type TestServer, gql, gqlWithJsonVariables, startTestServer } from "../support/server.js";

const SET_SCHEMAS = `mutation($id: ID!, $input: SetProviderSchemasInput!) {
  setProviderSchemas(id: $id, input: $input) { id } }`;
const SET_INFO = `mutation($id: ID!, $info: JSONObject!) { setProviderBespokeInfo(id: $id, info: $info) { bespokeInfo } }`;

describe("provider JSON Schemas are safe to evaluate", () => {
  let db: TestDatabase;
  let server: TestServer;
  let f: ReturnType<typeof factories>;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startTestServer(db.ds);
    f = factories(db.ds);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  const refused = (res: { errors?: { extensions?: Record<string, unknown> }[] }, field: string) =>
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });

  it("evaluates a catastrophic pattern in linear time", async () => {
    const p = await f.provider();
    const schema = { type: "object", properties: { tag: { type: "string", pattern: "^(a+)+$" } } };
    expect(
      (await gql(server, SET_SCHEMAS, { id: p.gid, input: { providerInfoSchema: schema } })).errors,
    ).toBeUndefined();
    const started = Date.now();
    const res = await gql(server, SET_INFO, { id: p.gid, info: { tag: `${"a".repeat(30)}!` } });
    expect(Date.now() - started).toBeLessThan(500);
    refused(res, "info.tag");
    const ok = await gql(server, SET_INFO, { id: p.gid, info: { tag: "a".repeat(30) } });
    expect(ok.errors).toBeUndefined();
  });

  it("evaluates catastrophic patternProperties in linear time", async () => {
    const p = await f.provider();
    const schema = { type: "object", patternProperties: { "^(x+x+)+y$": { type: "string" } } };
    expect(
      (await gql(server, SET_SCHEMAS, { id: p.gid, input: { providerInfoSchema: schema } })).errors,
    ).toBeUndefined();
    const started = Date.now();
    const res = await gql(server, SET_INFO, { id: p.gid, info: { ["x".repeat(40)]: 1, xxy: 2 } });
    expect(Date.now() - started).toBeLessThan(500);
    refused(res, "info.xxy");
  });

  it("refuses patterns the linear-time engine cannot take, when the schema is set", async () => {
    const p = await f.provider();
    for (const pattern of ["^(a)\\1$", "^(?=a)a$", "(?<!x)y"]) {
      const res = await gql(server, SET_SCHEMAS, {
        id: p.gid,
        input: { operatorInfoSchema: { type: "object", properties: { v: { type: "string", pattern } } } },
      });
      refused(res, "input.operatorInfoSchema");
    }
  });

  it("refuses schemas nested too deep or too large, and remote $refs", async () => {
    const p = await f.provider();
    // 3,000 levels of properties: 6,000 of JSON, more than JSON.stringify's stack takes.
    const deep = `${'{"type":"object","properties":{"a":'.repeat(3000)}{"type":"string"}${"}}".repeat(3000)}`;
    const nested = await gqlWithJsonVariables(
      server,
      SET_SCHEMAS,
      `{"id":${JSON.stringify(p.gid)},"input":{"providerInfoSchema":${deep}}}`,
    );
    // Refused where the input comes in, before anything walks it recursively.
    expect(nested.errors?.[0]?.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: expect.stringMatching(/^input\.providerInfoSchema\.properties\.a\./),
    });
    // 20 levels of properties: within what the API takes, deeper than a schema may be.
    let deep40: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < 20; i++) deep40 = { type: "object", properties: { a: deep40 } };
    refused(
      await gql(server, SET_SCHEMAS, { id: p.gid, input: { providerInfoSchema: deep40 } }),
      "input.providerInfoSchema",
    );
    const wide = {
      type: "object",
      properties: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`p${i}`, { type: "string" }])),
    };
    refused(
      await gql(server, SET_SCHEMAS, { id: p.gid, input: { providerInfoSchema: wide } }),
      "input.providerInfoSchema",
    );
    const remote = { type: "object", properties: { a: { $ref: "https://example.org/schema.json" } } };
    refused(
      await gql(server, SET_SCHEMAS, { id: p.gid, input: { providerInfoSchema: remote } }),
      "input.providerInfoSchema",
    );
  });

  it("keeps one provider's $id invisible to another's schemas", async () => {
    const a = await f.provider();
    const b = await f.provider();
    const ownA = {
      $id: "https://schemas.example/tier.json",
      type: "object",
      properties: {
        tier: { enum: ["gold"] },
        again: { $ref: "https://schemas.example/tier.json#/properties/tier" },
      },
    };
    expect(
      (await gql(server, SET_SCHEMAS, { id: a.gid, input: { providerInfoSchema: ownA } })).errors,
    ).toBeUndefined();
    refused(await gql(server, SET_INFO, { id: a.gid, info: { tier: "silver" } }), "info.tier");
    refused(await gql(server, SET_INFO, { id: a.gid, info: { again: "silver" } }), "info.again");
    const fromB = { type: "object", properties: { tier: { $ref: "https://schemas.example/tier.json" } } };
    refused(
      await gql(server, SET_SCHEMAS, { id: b.gid, input: { providerInfoSchema: fromB } }),
      "input.providerInfoSchema",
    );
  });

  it("applies a changed schema with the same $id at once", async () => {
    const p = await f.provider();
    const v1 = {
      $id: "https://schemas.example/info.json",
      type: "object",
      properties: { n: { type: "integer", maximum: 5 } },
    };
    const v2 = { ...v1, properties: { n: { type: "integer", maximum: 50 } } };
    expect(
      (await gql(server, SET_SCHEMAS, { id: p.gid, input: { providerInfoSchema: v1 } })).errors,
    ).toBeUndefined();
    refused(await gql(server, SET_INFO, { id: p.gid, info: { n: 10 } }), "info.n");
    const set = await gql(server, SET_SCHEMAS, { id: p.gid, input: { providerInfoSchema: v2 } });
    expect(set.errors).toBeUndefined();
    const ok = await gql(server, SET_INFO, { id: p.gid, info: { n: 10 } });
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.setProviderBespokeInfo.bespokeInfo).toEqual({ n: 10 });
  });
});
