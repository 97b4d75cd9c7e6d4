import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { RunningServer } from "../../src/server.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { gql, startTestServer } from "../support/server.js";

const SET_SCHEMAS = `mutation($id: ID!, $input: SetProviderSchemasInput!) {
  setProviderSchemas(id: $id, input: $input) { operatorInfoSchema providerInfoSchema } }`;

describe("providers and their bespoke info", () => {
  let db: TestDatabase;
  let server: RunningServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startTestServer(db.ds);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  const create = async (slug: string) => {
    const res = await gql(
      server,
      `mutation($input: CreateProviderInput!) { createProvider(input: $input) { id slug } }`,
      {
        input: { name: `Provider ${slug}`, slug, contactEmail: `ops@${slug}.example` },
      },
    );
    expect(res.errors).toBeUndefined();
    return res.data!.createProvider.id as string;
  };

  it("sets schemas, then validates bespoke info against them", async () => {
    const id = await create("alpha");
    const schema = {
      type: "object",
      properties: { mailRelay: { type: "string", format: "hostname" } },
      additionalProperties: false,
    };
    const set = await gql(server, SET_SCHEMAS, { id, input: { providerInfoSchema: schema } });
    expect(set.data!.setProviderSchemas.providerInfoSchema).toEqual(schema);
    const ok = await gql(
      server,
      `mutation($id: ID!) { setProviderBespokeInfo(id: $id, info: { mailRelay: "relay.alpha.example" }) { bespokeInfo } }`,
      { id },
    );
    expect(ok.data!.setProviderBespokeInfo.bespokeInfo).toEqual({ mailRelay: "relay.alpha.example" });
    const bad = await gql(
      server,
      `mutation($id: ID!) { setProviderBespokeInfo(id: $id, info: { mailRelay: "not a host!" }) { bespokeInfo } }`,
      { id },
    );
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "info.mailRelay" });
  });

  it("refuses a schema that is not a JSON Schema", async () => {
    const id = await create("beta");
    const res = await gql(server, SET_SCHEMAS, {
      id,
      input: { operatorInfoSchema: { type: "no-such-type" } },
    });
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "input.operatorInfoSchema",
    });
  });

  it("refuses an operator schema that existing operators' info would break, changing nothing", async () => {
    const id = await create("gamma");
    const [{ id: pid }] = await db.ds.query(`SELECT id FROM provider WHERE slug = 'gamma'`);
    const op = await factories(db.ds).operator(pid);
    await db.ds.query(`UPDATE operator SET bespoke_info = '{"tier": "gold"}' WHERE id = $1`, [op.id]);
    const strict = { type: "object", properties: { tier: { enum: ["basic"] } } };
    const res = await gql(server, SET_SCHEMAS, { id, input: { operatorInfoSchema: strict } });
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "input.operatorInfoSchema",
    });
    expect(res.errors?.[0]?.message).toMatch(op.slug);
    const [{ schema }] = await db.ds.query(
      `SELECT operator_info_schema AS schema FROM provider WHERE id = $1`,
      [pid],
    );
    expect(schema).toEqual({});
  });

  it("refuses a duplicate provider slug with CONFLICT", async () => {
    await create("delta");
    const res = await gql(
      server,
      `mutation { createProvider(input: { name: "D", slug: "delta", contactEmail: "a@b.example" }) { id } }`,
    );
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", field: "slug" });
  });
});
