// The NetBox mirror under authorization: an operator's principal sees the objects of its own NetBox
// tenants only, and none of the provider's NetBox settings or sync runs.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { operatorDomain } from "../../src/authz/model.js";
import { toGlobalId } from "../../src/common/global-id.js";
import type { RunningServer } from "../../src/server.js";
import { makeV1Token, startFakeNetbox, type FakeNetbox } from "../fakes/netbox/index.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { connectFake, syncNow } from "../support/netbox.js";
import { as, gql, startTestServer } from "../support/server.js";

const TOKEN = makeV1Token();
const VIEWER = "user:netbox-operator-viewer";

describe("NetBox reads of an operator's principal", () => {
  let db: TestDatabase;
  let server: RunningServer;
  let nb: FakeNetbox;
  let provider: { id: string; gid: string };
  let mine: string;
  let other: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const f = factories(db.ds);
    nb = await startFakeNetbox({ tokens: [TOKEN] });
    provider = await f.provider();
    await connectFake(db.ds, provider.id, nb, TOKEN);
    await syncNow(db.ds, provider.id, "full");
    // Operator "tenant-1" owns NetBox tenant 1 by slug; the other operator owns nothing.
    const [a] = await db.ds.query(
      `INSERT INTO operator (provider_id, slug, name, contact_email, dns_zone)
       VALUES ($1, 'tenant-1', 'Tenant One', 'a@t1.example', 't1-authz.example') RETURNING id`,
      [provider.id],
    );
    mine = a.id;
    other = (await f.operator(provider.id)).id;
    await db.ds.query(
      `INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', $1, 'operator-viewer', $2), ('g', $1, 'operator-viewer', $3)`,
      [VIEWER, operatorDomain(mine), operatorDomain(other)],
    );
    server = await startTestServer(db.ds);
  });
  afterAll(async () => {
    await server?.stop();
    await nb?.stop();
    await db?.drop();
  });

  const ofTenant = (kind: "virtual-machines" | "ip-addresses", t: number) =>
    nb.data[kind]
      .all()
      .filter((r) => r.tenant_id === t)
      .map((r) => r.id);

  it("lists only the objects of the operators' own tenants", async () => {
    const res = await gql(
      server,
      `query($p: ID!) {
         vms: netboxObjects(providerId: $p, kind: VIRTUAL_MACHINE, first: 100) { totalCount nodes { netboxId id } }
         ips: netboxObjects(providerId: $p, kind: IP_ADDRESS, first: 100) { nodes { netboxId } }
         devices: netboxObjects(providerId: $p, kind: DEVICE, first: 100) { nodes { netboxId } }
         netboxConnection(providerId: $p) { url }
         netboxSyncRuns(providerId: $p, first: 5) { totalCount } }`,
      { p: provider.gid },
      as(VIEWER),
    );
    expect(res.errors).toBeUndefined();
    const d = res.data!;
    expect(d.vms.nodes.map((n: { netboxId: number }) => n.netboxId)).toEqual(ofTenant("virtual-machines", 1));
    expect(d.vms.totalCount).toBe(ofTenant("virtual-machines", 1).length);
    expect(d.ips.nodes.map((n: { netboxId: number }) => n.netboxId)).toEqual(ofTenant("ip-addresses", 1));
    // Devices of tenant 1 exist too; infrastructure without a tenant stays hidden.
    expect(d.devices.nodes.map((n: { netboxId: number }) => n.netboxId)).toEqual(
      nb.data.devices
        .all()
        .filter((r) => r.tenant_id === 1)
        .map((r) => r.id),
    );
    expect(d.netboxConnection).toBeNull();
    expect(d.netboxSyncRuns.totalCount).toBe(0);

    // Another tenant's VM, asked for by id, looks missing.
    const staff = await gql(
      server,
      `query($p: ID!) { netboxObjects(providerId: $p, kind: VIRTUAL_MACHINE, filter: { tenantId: 2 }, first: 1) { nodes { id } } }`,
      { p: provider.gid },
    );
    const foreign = staff.data!.netboxObjects.nodes[0].id;
    const one = await gql(
      server,
      `query($id: ID!) { netboxObject(id: $id) { id } }`,
      { id: foreign },
      as(VIEWER),
    );
    expect(one.data).toEqual({ netboxObject: null });
  });

  it("sees its operators' NetBox objects through Operator.netbox", async () => {
    const q = `query($o: ID!) { node(id: $o) { ... on Operator { netbox { virtualMachines(first: 100) { nodes { netboxId } } } } } }`;
    const own = await gql(server, q, { o: toGlobalId("Operator", mine) }, as(VIEWER));
    expect(own.errors).toBeUndefined();
    expect(own.data!.node.netbox.virtualMachines.nodes.map((n: { netboxId: number }) => n.netboxId)).toEqual(
      ofTenant("virtual-machines", 1),
    );
    const none = await gql(server, q, { o: toGlobalId("Operator", other) }, as(VIEWER));
    expect(none.data!.node.netbox.virtualMachines.nodes).toEqual([]);
  });

  it("may not change the connection or start syncs, and anonymous callers may not read", async () => {
    const sync = await gql(
      server,
      `mutation($p: ID!) { syncNetbox(providerId: $p, mode: FULL) { id } }`,
      { p: provider.gid },
      as(VIEWER),
    );
    expect(sync.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const set = await gql(
      server,
      `mutation($p: ID!) { removeNetboxConnection(providerId: $p) }`,
      { p: provider.gid },
      as(VIEWER),
    );
    expect(set.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const anonymous = await gql(
      server,
      `query($p: ID!) { netboxObjects(providerId: $p, kind: SITE) { totalCount } }`,
      { p: provider.gid },
      as("anonymous"),
    );
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});
