import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  type GraphQLSchema,
  getNamedType,
  isLeafType,
} from "graphql";
import { Permission } from "../../src/authz/permissions.js";
import { SELF_PERMISSIONS } from "../../src/authz/roles.js";
import { catalogue } from "../../src/modules.js";
import { AUTHZ_EXTENSION, type AuthzRule } from "../../src/authz/rules.js";
import { toGlobalId } from "../../src/common/global-id.js";
import { createSchema } from "../../src/graphql/schema.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { downloadExport } from "../support/accounting.js";
import { type TestServer, as, gql, startTestServer } from "../support/server.js";

/** A syntactically valid value of an input type: enough to reach the resolver (and its guard). */
function sample(type: GraphQLInputType): unknown {
  if (type instanceof GraphQLNonNull) return sample(type.ofType);
  if (type instanceof GraphQLList) return [sample(type.ofType)];
  if (type instanceof GraphQLEnumType) return type.getValues()[0]!.name;
  if (type instanceof GraphQLInputObjectType) {
    const out: Record<string, unknown> = {};
    for (const f of Object.values(type.getFields())) {
      if (f.type instanceof GraphQLNonNull && f.defaultValue === undefined) out[f.name] = sample(f.type);
    }
    return out;
  }
  const scalar = (type as GraphQLScalarType).name;
  if (scalar === "Int" || scalar === "Float") return 1;
  if (scalar === "Boolean") return true;
  if (scalar === "ID") return toGlobalId("Operator", randomUUID());
  if (scalar === "JSONObject" || scalar === "JSON") return {};
  if (scalar === "DateTimeISO") return new Date().toISOString();
  return "x";
}

/** Every root query and mutation, callable with sample arguments, with the permission its rule names. */
function operations(schema: GraphQLSchema) {
  const out: {
    name: string;
    permission: Permission | null;
    query: string;
    variables: Record<string, unknown>;
  }[] = [];
  for (const [kind, root] of [
    ["query", schema.getQueryType()],
    ["mutation", schema.getMutationType()],
  ] as const) {
    for (const field of Object.values((root as GraphQLObjectType).getFields()) as GraphQLField<
      unknown,
      unknown
    >[]) {
      const rule = field.extensions?.[AUTHZ_EXTENSION] as AuthzRule | undefined;
      const required = field.args.filter(
        (a: GraphQLArgument) => a.type instanceof GraphQLNonNull && a.defaultValue === undefined,
      );
      const decl = required.map((a) => `$${a.name}: ${a.type.toString()}`).join(", ");
      const args = required.map((a) => `${a.name}: $${a.name}`).join(", ");
      const selection = isLeafType(getNamedType(field.type)) ? "" : " { __typename }";
      out.push({
        name: `${root!.name}.${field.name}`,
        permission: rule && "permission" in rule ? rule.permission : null,
        query: `${kind}${decl ? `(${decl})` : ""} { ${field.name}${args ? `(${args})` : ""}${selection} }`,
        variables: Object.fromEntries(required.map((a) => [a.name, sample(a.type)])),
      });
    }
  }
  return out;
}

describe("restricted roles", () => {
  let db: TestDatabase;
  let server: TestServer;
  let schema: GraphQLSchema;
  let mine: { gid: string; deployment: string };
  let theirs: { gid: string; deployment: string };
  const resourceProvider = "client:proxmox-fedi-club";
  const auditor = "user:ursula";

  const snapshot = () =>
    db.ds.query(
      `SELECT (SELECT count(*) FROM operator)::int AS o, (SELECT count(*) FROM deployment)::int AS d,
              (SELECT count(*) FROM service)::int AS s, (SELECT count(*) FROM run)::int AS r,
              (SELECT count(*) FROM provider)::int AS p, (SELECT count(*) FROM casbin_rule)::int AS c,
              (SELECT count(*) FROM accounting_event WHERE outcome <> 'failure')::int AS e`,
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    schema = await createSchema();
    const f = factories(db.ds);
    const types = await f.catalog();
    const p = await f.provider();
    for (const which of ["mine", "theirs"] as const) {
      const op = await f.operator(p.id);
      const d = await f.deployment(op.id, "production");
      await f.service(d.id, types.mastodon!, `social.${op.zone}`);
      if (which === "mine") mine = { gid: op.gid, deployment: d.gid };
      else theirs = { gid: op.gid, deployment: d.gid };
    }
    server = await startTestServer(db.ds);
    const grant = `mutation($i: RoleGrantInput!) { grantRole(input: $i) { domain } }`;
    await gql(server, grant, {
      i: { subject: resourceProvider, role: "config-reader", operatorId: mine.gid },
    });
    await gql(server, grant, { i: { subject: auditor, role: "auditor" } });
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  const CONFIG = `query($d: ID!, $w: ConfigurationKind!) { deploymentConfig(deploymentId: $d, which: $w) }`;

  it("lets a config-reader service account read its operator's deployment configuration", async () => {
    const staged = await gql(server, CONFIG, { d: mine.deployment, w: "STAGED" }, as(resourceProvider));
    expect(staged.errors).toBeUndefined();
    expect(staged.data!.deploymentConfig).toMatchObject({
      schemaVersion: 2,
      deployment: { id: mine.deployment, name: "production" },
      operator: { id: mine.gid },
      services: [expect.objectContaining({ type: "mastodon" })],
    });
    const deployed = await gql(server, CONFIG, { d: mine.deployment, w: "DEPLOYED" }, as(resourceProvider));
    expect(deployed).toMatchObject({ data: { deploymentConfig: null } });
    expect(deployed.errors).toBeUndefined();
  });

  it("gives a config-reader nothing of another operator: its configuration looks missing", async () => {
    const other = await gql(server, CONFIG, { d: theirs.deployment, w: "STAGED" }, as(resourceProvider));
    const none = await gql(
      server,
      CONFIG,
      { d: toGlobalId("Deployment", randomUUID()), w: "STAGED" },
      as(resourceProvider),
    );
    expect(other.errors![0]!.extensions!.code).toBe("NOT_FOUND");
    expect(other.errors![0]!.message).toBe(none.errors![0]!.message);
    expect(Object.keys(other.errors![0]!.extensions!)).toEqual(Object.keys(none.errors![0]!.extensions!));
    expect(other.data).toEqual(none.data);
  });

  it("refuses a config-reader every other query and mutation", async () => {
    const held = new Set(catalogue.roles.find((r) => r.name === "config-reader")!.permissions);
    const before = await snapshot();
    const refused: string[] = [];
    const allowed: string[] = [];
    // Public fields (authentication's, say) are open to anyone by decision; everything else is refused.
    for (const op of operations(schema).filter((o) => o.permission !== null)) {
      if (held.has(op.permission!)) {
        allowed.push(op.name);
        continue;
      }
      const res = await gql(server, op.query, op.variables, as(resourceProvider));
      const code = res.errors?.[0]?.extensions?.code;
      if (code === "FORBIDDEN") refused.push(op.name);
      else throw new Error(`${op.name} answered ${JSON.stringify(res)} to a config-reader`);
    }
    expect(allowed).toContain("Query.deploymentConfig");
    expect(refused).toEqual(
      expect.arrayContaining(["Query.operators", "Query.node", "Mutation.applyDeployment"]),
    );
    expect(await snapshot()).toEqual(before);
  });

  it("lets an auditor read every operator and change nothing", async () => {
    const read = await gql(
      server,
      `{ operators { totalCount } deployments { totalCount } roles { name } }`,
      {},
      as(auditor),
    );
    expect(read.errors).toBeUndefined();
    expect(read.data!.operators.totalCount).toBe(2);
    expect(read.data!.deployments.totalCount).toBe(2);
    const before = await snapshot();
    const held = new Set<Permission>(catalogue.roles.find((r) => r.name === "auditor")!.permissions);
    // One's own second factor is one's own business; everything else changes the platform.
    const mutations = operations(schema).filter(
      (o) => o.name.startsWith("Mutation.") && o.permission !== null && !SELF_PERMISSIONS.has(o.permission),
    );
    expect(mutations.length).toBeGreaterThan(15);
    // An auditor holds no permission any of them asks for.
    expect(mutations.filter((o) => held.has(o.permission!)).map((o) => o.name)).toEqual([]);
    for (const op of mutations) {
      const res = await gql(server, op.query, op.variables, as(auditor));
      expect([op.name, res.errors?.[0]?.extensions?.code, res.errors?.[0]?.message]).toEqual([
        op.name,
        "FORBIDDEN",
        expect.any(String),
      ]);
    }
    expect(await snapshot()).toEqual(before);
    // Each refusal is recorded as a failure, with who tried.
    const [{ n }] = await db.ds.query(
      `SELECT count(*)::int AS n FROM accounting_event WHERE outcome = 'failure' AND initiator->>'id' = 'ursula'`,
    );
    expect(n).toBe(mutations.length);
  });

  it("keeps an auditor granted one operator to that operator", async () => {
    await gql(server, `mutation($i: RoleGrantInput!) { grantRole(input: $i) { domain } }`, {
      i: { subject: "user:otto", role: "auditor", operatorId: mine.gid },
    });
    const res = await gql(
      server,
      `{ operators { nodes { id } } deployments { nodes { id } } }`,
      {},
      as("user:otto"),
    );
    expect(res.data!.operators.nodes).toEqual([{ id: mine.gid }]);
    expect(res.data!.deployments.nodes).toEqual([{ id: mine.deployment }]);
    const bespoke = await gql(server, `{ providers { nodes { slug bespokeInfo } } }`, {}, as("user:otto"));
    expect(bespoke.data!.providers.nodes).toEqual([{ slug: expect.any(String), bespokeInfo: null }]);
    expect(bespoke.errors?.[0]?.extensions).toMatchObject({
      code: "FORBIDDEN",
      permission: Permission.ProviderInfoRead,
    });
  });

  it("authorizes accounting exports over plain HTTP the same way", async () => {
    const status = async (query: string, subject: string | null) =>
      (await downloadExport(server, query, subject ? await server.tokenFor(subject) : "")).status;
    expect(await status(`operator=${mine.gid}`, "user:otto")).toBe(200);
    expect(await status(`operator=${theirs.gid}`, "user:otto")).toBe(403);
    expect(await status(`operator=${toGlobalId("Operator", randomUUID())}`, "user:otto")).toBe(403);
    expect(await status("", "user:otto")).toBe(403);
    expect(await status("", auditor)).toBe(200);
    expect(await status(`operator=${mine.gid}`, resourceProvider)).toBe(403);
    expect(await status(`operator=${mine.gid}`, null)).toBe(401);
  });
});
