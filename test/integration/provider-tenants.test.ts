import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { toGlobalId } from "../../src/common/global-id.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { downloadExport } from "../support/accounting.js";
import { clientCredentialsToken, serviceAccount } from "../support/oidc.js";
import { type TestServer, as, gql, startTestServer, withToken } from "../support/server.js";

/**
 * Providers are tenants: the staff of one provider (its provider-admin, people and service accounts alike)
 * neither see nor change another provider's operators, provider data, NetBox, clients, people or
 * accounting. Another provider's objects look missing; creating providers is the installation's.
 */
describe("providers are tenants", () => {
  let db: TestDatabase;
  let server: TestServer;
  type World = Awaited<ReturnType<typeof build>>;
  let w: World;

  async function build() {
    const f = factories(db.ds);
    const acc = await f.provider();
    const demo = await f.provider();
    const opA = await f.operator(acc.id);
    const opB = await f.operator(demo.id);
    const dA = await f.deployment(opA.id);
    const dB = await f.deployment(opB.id);
    // The reported attack: a service account made with `client create --provider acc --role provider-admin`.
    const saA = await serviceAccount(server, {
      providerId: acc.gid,
      role: "provider-admin",
      name: "acc bot",
    });
    const saOfB = await serviceAccount(server, {
      operatorId: opB.gid,
      role: "operator-viewer",
      name: "b ci",
    });
    const [userB] = await db.ds.query(
      `INSERT INTO app_user (email, display_name) VALUES ('admin@demo.example', 'Demo Admin') RETURNING id`,
    );
    const [userA] = await db.ds.query(
      `INSERT INTO app_user (email, display_name) VALUES ('admin@acc.example', 'Acc Admin') RETURNING id`,
    );
    await db.ds.query(
      `INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES
         ('g', $1, 'provider-admin', 'provider:' || $3), ('g', $2, 'provider-admin', 'provider:' || $4)`,
      [`user:${userA.id}`, `user:${userB.id}`, acc.id, demo.id],
    );
    return {
      acc,
      demo,
      opA,
      opB,
      dA,
      dB,
      saA,
      saOfB,
      adminA: `user:${userA.id}`,
      userB: { id: userB.id as string, gid: toGlobalId("User", userB.id) },
    };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startTestServer(db.ds);
    w = await build();
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  const codeOf = (r: { errors?: { extensions?: Record<string, unknown> }[] }) =>
    r.errors?.[0]?.extensions?.code ?? null;

  it("a provider-admin service account of one provider changes nothing of another provider's operators", async () => {
    const token = withToken(await clientCredentialsToken(server, w.saA));
    const mutations = [
      `mutation($id: ID!) { suspendOperator(id: $id) { status } }`,
      `mutation($id: ID!) { resumeOperator(id: $id) { status } }`,
      `mutation($id: ID!) { updateOperator(id: $id, input: { name: "Taken over" }) { name } }`,
      `mutation($id: ID!) { setOperatorQuota(id: $id, quota: { storageGib: 1, vcpus: 1, memoryGib: 1 }) { id } }`,
      `mutation($id: ID!) { setOperatorBespokeInfo(id: $id, info: { taken: true }) { id } }`,
    ];
    for (const m of mutations) {
      const r = await gql(server, m, { id: w.opB.gid }, token);
      expect([m, codeOf(r)]).toEqual([m, "NOT_FOUND"]);
    }
    const [b] = await db.ds.query(
      `SELECT status, name, quota_storage_gib AS storage, bespoke_info AS info FROM operator WHERE id = $1`,
      [w.opB.id],
    );
    expect(b).toEqual({
      status: "active",
      name: expect.not.stringMatching(/Taken/),
      storage: 10_000,
      info: {},
    });
    // Its own provider's operator it runs as before.
    const own = await gql(server, mutations[0]!, { id: w.opA.gid }, token);
    expect(own.errors).toBeUndefined();
    expect(own.data!.suspendOperator.status).toBe("SUSPENDED");
    await gql(server, mutations[1]!, { id: w.opA.gid }, token);
  });

  it("a provider's staff see only their provider, its operators and what belongs to them", async () => {
    const me = as(w.adminA);
    const ask = async (query: string, variables: Record<string, unknown> = {}) => {
      const r = await gql(server, query, variables, me);
      expect(r.errors).toBeUndefined();
      return r.data as Record<string, any>;
    };
    const ids = (list: { nodes: { id: string }[] }) => list.nodes.map((n) => n.id).sort();
    expect(ids((await ask(`{ operators(first: 50) { nodes { id } } }`)).operators)).toEqual([w.opA.gid]);
    expect(ids((await ask(`{ providers(first: 50) { nodes { id } } }`)).providers)).toEqual([w.acc.gid]);
    expect(ids((await ask(`{ deployments(first: 50) { nodes { id } } }`)).deployments)).toEqual([w.dA.gid]);
    const nodes = await ask(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, {
      ids: [w.opA.gid, w.opB.gid, w.dB.gid, w.demo.gid],
    });
    expect(nodes.nodes.map((n: { id: string } | null) => n?.id ?? null)).toEqual([
      w.opA.gid,
      null,
      null,
      null,
    ]);
    const byProvider = await ask(
      `query($p: String) { operators(filter: { providerId: $p }) { totalCount } }`,
      {
        p: w.demo.gid,
      },
    );
    expect(byProvider.operators.totalCount).toBe(0);
    expect(ids((await ask(`{ clients(first: 50) { nodes { id } } }`)).clients)).toEqual([
      toGlobalId("Client", w.saA.id),
    ]);
    const other = await ask(`query($id: String!) { client(id: $id) { id } }`, {
      id: toGlobalId("Client", w.saOfB.id),
    });
    expect(other.client).toBeNull();
    const users = await ask(`{ users(first: 50) { nodes { email } } }`);
    expect(users.users.nodes.map((u: { email: string }) => u.email)).toEqual(["admin@acc.example"]);
    const events = await ask(`{ accountingEvents(first: 100) { nodes { operator { id } } } }`);
    expect(new Set(events.accountingEvents.nodes.map((e: any) => e.operator?.id ?? null))).not.toContain(
      w.opB.gid,
    );
    const heads = await ask(`{ chainHeads { chain } }`);
    for (const h of heads.chainHeads) expect([w.opA.id]).toContain(h.chain);
    const grants = await ask(`{ roleAssignments(first: 100) { nodes { subject domain } } }`);
    for (const g of grants.roleAssignments.nodes) {
      expect([`provider:${w.acc.id}`, `operator:${w.opA.id}`]).toContain(g.domain);
    }
    expect(grants.roleAssignments.nodes).toContainEqual({
      subject: w.adminA,
      domain: `provider:${w.acc.id}`,
    });
  });

  it("another provider's data, NetBox, service accounts, people and grants look missing; new providers are the installation's", async () => {
    const me = as(w.adminA);
    const refused = [
      [
        `mutation($id: ID!) { setProviderBespokeInfo(id: $id, info: {}) { id } }`,
        { id: w.demo.gid },
        "NOT_FOUND",
      ],
      [
        `mutation($id: ID!) { setProviderSchemas(id: $id, input: { providerInfoSchema: {} }) { id } }`,
        { id: w.demo.gid },
        "NOT_FOUND",
      ],
      [
        `mutation($p: ID!) { createOperator(input: { providerId: $p, name: "X", slug: "x", contactEmail: "x@x.example", dnsZone: "x.example" }) { id } }`,
        { p: w.demo.gid },
        "NOT_FOUND",
      ],
      [
        `mutation($p: ID!) { setNetboxConnection(providerId: $p, input: { url: "https://netbox.example" }) { url } }`,
        { p: w.demo.gid },
        "NOT_FOUND",
      ],
      [`mutation($p: ID!) { syncNetbox(providerId: $p, mode: FULL) { id } }`, { p: w.demo.gid }, "NOT_FOUND"],
      [
        `mutation($p: String) { createServiceAccount(input: { name: "in", role: "provider-admin", providerId: $p }) { clientSecret } }`,
        { p: w.demo.gid },
        "NOT_FOUND",
      ],
      [
        `mutation($i: RoleGrantInput!) { grantRole(input: $i) { domain } }`,
        { i: { subject: w.adminA, role: "operator-admin", operatorId: w.opB.gid } },
        "NOT_FOUND",
      ],
      [`mutation($id: String!) { disableUser(id: $id) { id } }`, { id: w.userB.gid }, "NOT_FOUND"],
      [
        `mutation($id: String!) { setUserPassword(id: $id, password: "a new long passphrase") { id } }`,
        { id: w.userB.gid },
        "NOT_FOUND",
      ],
      [
        `mutation($id: String!) { disableClient(id: $id) { id } }`,
        { id: toGlobalId("Client", w.saOfB.id) },
        "NOT_FOUND",
      ],
      // Every provider's chain heads at once: the installation's.
      [`mutation { signChainHeads { chain } }`, {}, "FORBIDDEN"],
      [
        `mutation { createProvider(input: { name: "Mine", slug: "mine", contactEmail: "ops@mine.example" }) { id } }`,
        {},
        "FORBIDDEN",
      ],
    ] as const;
    for (const [query, variables, code] of refused) {
      const r = await gql(server, query, variables, me);
      expect([query, codeOf(r)]).toEqual([query, code]);
    }
    const [b] = await db.ds.query(`SELECT disabled FROM app_user WHERE id = $1`, [w.userB.id]);
    expect(b.disabled).toBe(false);
    const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM provider WHERE slug = 'mine'`);
    expect(n).toBe(0);
  });

  it("exports a provider's operators' chains to its staff only, and keeps each provider's last admin", async () => {
    const token = await server.tokenFor(w.adminA);
    const chainOf = (op: { gid: string }) => `operator=${op.gid}&format=jsonl`;
    expect((await downloadExport(server, chainOf(w.opA), token)).status).toBe(200);
    expect((await downloadExport(server, chainOf(w.opB), token)).status).toBe(403);
    // Every chain, or the one of events of no operator: installation-wide only.
    expect((await downloadExport(server, "format=jsonl", token)).status).toBe(403);
    expect((await downloadExport(server, "format=jsonl")).status).toBe(200);
    const revoke = `mutation($i: RoleGrantInput!) { revokeRole(input: $i) }`;
    const last = await gql(server, revoke, {
      i: { subject: `user:${w.userB.id}`, role: "provider-admin", providerId: w.demo.gid },
    });
    expect(codeOf(last)).toBe("CONFLICT");
  });

  it("a platform-admin creates a provider and grants its first admin, who runs that provider only", async () => {
    const created = await gql(
      server,
      `mutation { createProvider(input: { name: "New Hosting", slug: "new-hosting", contactEmail: "ops@new.example" }) { id } }`,
    );
    expect(created.errors).toBeUndefined();
    const provider = created.data!.createProvider.id as string;
    const granted = await gql(
      server,
      `mutation($i: RoleGrantInput!) { grantRole(input: $i) { domain domainKind provider { id } } }`,
      { i: { subject: "user:first-admin", role: "provider-admin", providerId: provider } },
    );
    expect(granted.errors).toBeUndefined();
    expect(granted.data!.grantRole).toMatchObject({ domainKind: "PROVIDER", provider: { id: provider } });
    const sees = await gql(server, `{ providers(first: 10) { nodes { id } } }`, {}, as("user:first-admin"));
    expect(sees.data!.providers.nodes).toEqual([{ id: provider }]);
    const explained = await gql(
      server,
      `query($s: String!, $o: ID) { explainAccess(subject: $s, permission: "operator:suspend", operatorId: $o) { allowed domain reason } }`,
      { s: w.adminA, o: w.opA.gid },
    );
    expect(explained.data!.explainAccess).toMatchObject({ allowed: true, domain: `provider:${w.acc.id}` });
    const elsewhere = await gql(
      server,
      `query($s: String!, $o: ID) { explainAccess(subject: $s, permission: "operator:suspend", operatorId: $o) { allowed reason } }`,
      { s: w.adminA, o: w.opB.gid },
    );
    expect(elsewhere.data!.explainAccess.allowed).toBe(false);
    expect(elsewhere.data!.explainAccess.reason).toContain(`provider:${w.demo.id}`);
  });
});
