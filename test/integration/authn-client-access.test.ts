import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { ClientService } from "../../src/authn/clients/client.service.js";
import type { Principal } from "../../src/common/principal.js";
import { Access } from "../../src/authz/access.js";
import { Permission } from "../../src/authz/permissions.js";
import { toGlobalId } from "../../src/common/global-id.js";
import { type Caller, systemCaller } from "../../src/common/caller.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { as, gql, startTestServer, type TestServer } from "../support/server.js";
import { catalogue } from "../../src/modules.js";

// The service itself checks where a caller may manage clients, and that a service account is never
// stronger than its creator, whatever the resolver's guard let through.

const principal: Principal = {
  kind: "user",
  id: "u-clients",
  name: "clients",
  clientId: "test",
  scopes: ["api"],
};

/** A caller holding client:manage and the permissions of operator-viewer, on one operator only. */
function managerOf(operatorId: string): Caller {
  const permissions = [...catalogue.role("operator-viewer")!.permissions, Permission.ClientManage];
  return {
    requestId: "test",
    principal,
    client: { ip: null, userAgent: null },
    access: Access.of(
      principal,
      "user:u-clients",
      [{ domain: { kind: "operator", operatorId }, permissions }],
      catalogue.readOf,
    ),
  };
}

describe("client management, scoped", () => {
  let db: TestDatabase;
  let clients: ClientService;
  let a: { id: string; gid: string };
  let b: { id: string; gid: string };
  let clientOfB: string;
  let rowCount: () => Promise<number>;
  let server: TestServer;
  let panel: string;
  let provider: { id: string; gid: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    const f = factories(db.ds);
    provider = await f.provider();
    a = await f.operator(provider.id);
    b = await f.operator(provider.id);
    clients = new ClientService(db.ds, catalogue);
    const made = await clients.createServiceAccount(systemCaller(), {
      name: "b's reader",
      role: "config-reader",
      operatorId: b.gid,
    });
    clientOfB = toGlobalId("Client", made.id);
    rowCount = async () => Number((await db.ds.query(`SELECT count(*)::int AS n FROM oidc_client`))[0].n);
    panel = toGlobalId(
      "Client",
      await clients.createPublicClient(systemCaller(), {
        name: "panel",
        redirectUris: ["https://p.example/cb"],
      }),
    );
    await db.ds.query(
      `INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', 'user:oa', 'operator-admin', 'operator:' || $1)`,
      [a.id],
    );
    server = await startTestServer(db.ds);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it("creates a service account on its own operator with a role it holds there", async () => {
    const made = await clients.createServiceAccount(managerOf(a.id), {
      name: "viewer",
      role: "operator-viewer",
      operatorId: a.gid,
    });
    expect(made.clientSecret.length).toBeGreaterThan(30);
  });

  it("refuses a role above the creator's own, and writes nothing", async () => {
    const before = await rowCount();
    await expect(
      clients.createServiceAccount(managerOf(a.id), {
        name: "admin",
        role: "operator-admin",
        operatorId: a.gid,
      }),
    ).rejects.toMatchObject({
      extensions: { code: "FORBIDDEN" },
      message: expect.stringMatching(/above their own/),
    });
    expect(await rowCount()).toBe(before);
  });

  it("treats another operator and its clients as missing", async () => {
    await expect(
      clients.createServiceAccount(managerOf(a.id), {
        name: "x",
        role: "operator-viewer",
        operatorId: b.gid,
      }),
    ).rejects.toMatchObject({ extensions: { code: "NOT_FOUND" } });
    await expect(clients.setDisabled(managerOf(a.id), clientOfB, true)).rejects.toMatchObject({
      extensions: { code: "NOT_FOUND" },
    });
    await expect(clients.rotateSecret(managerOf(a.id), clientOfB, 0)).rejects.toMatchObject({
      extensions: { code: "NOT_FOUND" },
    });
    const [row] = await db.ds.query(`SELECT disabled FROM oidc_client WHERE name = $1`, ["b's reader"]);
    expect(row.disabled).toBe(false);
  });

  it("leaves the provider's own clients to the provider's managers, frontend clients to the installation's", async () => {
    await expect(
      clients.createPublicClient(managerOf(a.id), {
        name: "panel",
        redirectUris: ["https://panel.example/cb"],
      }),
    ).rejects.toMatchObject({ extensions: { code: "FORBIDDEN" } });
    await expect(
      clients.createServiceAccount(managerOf(a.id), {
        name: "p",
        role: "provider-viewer",
        providerId: provider.gid,
      }),
      // Decided for the provider itself, which an operator's staff do not reach: as if it were missing.
    ).rejects.toMatchObject({ extensions: { code: "NOT_FOUND" } });
  });

  it("lets an operator admin manage its operator's service accounts over GraphQL, and see no other client", async () => {
    const oa = as("user:oa");
    const created = await gql(
      server,
      `mutation($op: String!) {
         createServiceAccount(input: { name: "ci of a", role: "operator-member", operatorId: $op }) {
           client { id name role } clientSecret } }`,
      { op: a.gid },
      oa,
    );
    expect(created.errors).toBeUndefined();
    const mine = created.data!.createServiceAccount.client.id as string;
    // A NixOps4 resource provider's account reports state, which the operator admin cannot.
    const reader = await gql(
      server,
      `mutation($op: String!) {
         createServiceAccount(input: { name: "r", role: "config-reader", operatorId: $op }) { clientSecret } }`,
      { op: a.gid },
      oa,
    );
    expect(reader.errors![0]!.message).toMatch(/state:report.*above their own/);

    const listed = await gql(
      server,
      `{ clients(first: 50) { totalCount edges { node { id operator { id } } } } }`,
      {},
      oa,
    );
    expect(listed.errors).toBeUndefined();
    const seen = listed.data!.clients.edges.map(
      (e: { node: { id: string; operator: { id: string } } }) => e.node,
    );
    expect(seen.length).toBe(listed.data!.clients.totalCount);
    expect(seen.map((c: { id: string }) => c.id)).toContain(mine);
    expect(seen.every((c: { operator: { id: string } | null }) => c.operator?.id === a.gid)).toBe(true);
    // The provider admin sees every client, b's and the panel included.
    const all = await gql(server, `{ clients(first: 50) { totalCount } }`);
    expect(all.data!.clients.totalCount).toBe(await rowCount());
    expect(all.data!.clients.totalCount).toBeGreaterThan(seen.length + 1);

    const read = `query($id: String!) { client(id: $id) { id } }`;
    expect((await gql(server, read, { id: mine }, oa)).data!.client).toEqual({ id: mine });
    expect((await gql(server, read, { id: clientOfB }, oa)).data!.client).toBeNull();
    expect((await gql(server, read, { id: panel }, oa)).data!.client).toBeNull();

    const rotated = await gql(
      server,
      `mutation($id: String!) { rotateClientSecret(id: $id, overlapSeconds: 0) { clientSecret } }`,
      { id: mine },
      oa,
    );
    expect(rotated.errors).toBeUndefined();
    const refused = await gql(
      server,
      `mutation($id: String!) { disableClient(id: $id) { id } }`,
      { id: clientOfB },
      oa,
    );
    expect(refused.errors![0]!.extensions!.code).toBe("NOT_FOUND");
    const deleted = await gql(server, `mutation($id: String!) { deleteClient(id: $id) }`, { id: mine }, oa);
    expect(deleted.data!.deleteClient).toBe(mine);
    expect((await gql(server, read, { id: mine })).data!.client).toBeNull();
  });
});
