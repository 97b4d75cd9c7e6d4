import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { ClientService } from "../../src/authn/clients/client.service.js";
import type { Principal } from "../../src/authn/principal.js";
import { Access } from "../../src/authz/access.js";
import { Permission } from "../../src/authz/permissions.js";
import { roleNamed } from "../../src/authz/roles.js";
import { toGlobalId } from "../../src/common/global-id.js";
import { type Caller, systemCaller } from "../../src/graphql/context.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";

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
  const permissions = [...roleNamed("operator-viewer")!.permissions, Permission.ClientManage];
  return {
    requestId: "test",
    principal,
    client: { ip: null, userAgent: null },
    access: Access.of(principal, "user:u-clients", [{ operatorId, permissions }]),
  };
}

describe("client management, scoped", () => {
  let db: TestDatabase;
  let clients: ClientService;
  let a: { id: string; gid: string };
  let b: { id: string; gid: string };
  let clientOfB: string;
  let rowCount: () => Promise<number>;

  beforeAll(async () => {
    db = await createTestDatabase();
    const f = factories(db.ds);
    const provider = await f.provider();
    a = await f.operator(provider.id);
    b = await f.operator(provider.id);
    clients = new ClientService(db.ds);
    const made = await clients.createServiceAccount(systemCaller(), {
      name: "b's reader",
      role: "config-reader",
      operatorId: b.gid,
    });
    clientOfB = toGlobalId("Client", made.id);
    rowCount = async () => Number((await db.ds.query(`SELECT count(*)::int AS n FROM oidc_client`))[0].n);
  });
  afterAll(async () => {
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

  it("leaves the provider's own clients to provider-wide managers", async () => {
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
        providerId: toGlobalId("Provider", "00000000-0000-4000-8000-000000000000"),
      }),
    ).rejects.toMatchObject({ extensions: { code: "FORBIDDEN" } });
  });
});
