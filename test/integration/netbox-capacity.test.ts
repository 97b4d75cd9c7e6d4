// Capacity: a provider syncs NetBox and sees the operators' bookings against what its clusters' hosts
// have, over-commitment flagged per resource; another provider's staff see none of it.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { operatorDomain, providerDomain } from "../../src/authz/model.js";
import { makeV1Token, startFakeNetbox, type FakeNetbox } from "../fakes/netbox/index.js";
import { generateNetboxData } from "../fakes/netbox/generate.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { connectFake, syncNow } from "../support/netbox.js";
import { as, gql, startTestServer, type TestServer } from "../support/server.js";

const TOKEN = makeV1Token();
const STAFF = "user:capacity-staff";
const OTHER_STAFF = "user:capacity-other-staff";
const OPERATOR_ADMIN = "user:capacity-operator-admin";
const FIELDS = ["capacity_vcpus", "capacity_memory_gib", "capacity_block_gib", "capacity_blob_gib"];

const CAPACITY = `query($p: ID!) { capacity(providerId: $p) {
  overCommitted operators missingClusters
  resources { resource booked available ratio overCommitted }
  clusters { netboxId name status hosts vcpus memoryGib blockGib blobGib } } }`;

const host = (vcpus: number, memory: number, block: number, blob: number) => ({
  capacity_vcpus: vcpus,
  capacity_memory_gib: memory,
  capacity_block_gib: block,
  capacity_blob_gib: blob,
});

describe("capacity: booked against what NetBox says the clusters have", () => {
  let db: TestDatabase;
  let server: TestServer;
  let nb: FakeNetbox;
  let provider: { id: string; gid: string };
  let other: { id: string; gid: string };
  let operatorId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const f = factories(db.ds);
    const types = await f.catalog();
    nb = await startFakeNetbox({
      tokens: [TOKEN],
      data: generateNetboxData({ clusters: 2, devices: 6, customFields: { devices: FIELDS } }),
    });
    // Cluster 1: two active hosts (and an offline one, which counts for nothing); cluster 2: one host.
    nb.update("devices", 1, { cluster_id: 1, status: "active", custom_fields: host(32, 128, 1000, 4000) });
    nb.update("devices", 2, { cluster_id: 1, status: "active", custom_fields: host(32, 128, 1000, 4000) });
    nb.update("devices", 3, { cluster_id: 1, status: "offline", custom_fields: host(64, 512, 9000, 9000) });
    nb.update("devices", 4, { cluster_id: 2, status: "active", custom_fields: host(16, 64, 500, 500) });
    // Text typed into a number field counts as nothing.
    nb.update("devices", 5, { cluster_id: 1, status: "active", custom_fields: { capacity_vcpus: "lots" } });

    provider = await f.provider();
    other = await f.provider();
    await connectFake(db.ds, provider.id, nb, TOKEN);
    await syncNow(db.ds, provider.id, "full");
    // The provider deploys onto cluster-1 (and names a cluster NetBox does not have).
    await db.ds.query(
      `INSERT INTO resource_provider (provider_id, component_type, implementation, settings)
       VALUES ($1, 'virtualisation', 'proxmox', '{"cluster": "cluster-1"}'),
              ($1, 'virtualisation', 'xen', '{"cluster": "cluster-9"}')`,
      [provider.id],
    );
    // Bookings: 40 + 30 vCPUs against 64, 100 + 100 GiB memory against 256.
    const a = await f.operator(provider.id, { quota: [5000, 40, 100] });
    const b = await f.operator(provider.id, { quota: [5000, 30, 100], status: "suspended" });
    operatorId = a.id;
    const d = await f.deployment(a.id);
    await f.service(d.id, types["mastodon"]!, `social.${a.zone}`, { block: 1500, blob: 3000 });
    const e = await f.deployment(b.id);
    await f.service(e.id, types["pixelfed"]!, `pics.${b.zone}`, { block: 100, blob: 100 });
    await db.ds.query(`UPDATE service SET enabled = false WHERE deployment_id = $1`, [e.id]);
    // Another provider's operator books a lot; it never counts here.
    await f.operator(other.id, { quota: [90_000, 900, 9000] });

    await db.ds.query(
      `INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', $1, 'provider-viewer', $2),
         ('g', $3, 'provider-admin', $4), ('g', $5, 'operator-admin', $6)`,
      [
        STAFF,
        providerDomain(provider.id),
        OTHER_STAFF,
        providerDomain(other.id),
        OPERATOR_ADMIN,
        operatorDomain(operatorId),
      ],
    );
    server = await startTestServer(db.ds, { GRAPHQL_SQL_COUNT_HEADER: "true" });
  });
  afterAll(async () => {
    await server?.stop();
    await nb?.stop();
    await db?.drop();
  });

  it("shows per resource booked against available, over-commitment flagged with its ratio", async () => {
    const res = await gql(server, CAPACITY, { p: provider.gid }, as(STAFF));
    expect(res.errors).toBeUndefined();
    expect(res.data!.capacity).toEqual({
      overCommitted: true,
      operators: 2,
      missingClusters: ["cluster-9"],
      resources: [
        { resource: "VCPUS", booked: 70, available: 64, ratio: 70 / 64, overCommitted: true },
        { resource: "MEMORY", booked: 200, available: 256, ratio: 200 / 256, overCommitted: false },
        // Storage: what the enabled services claim (the quota books storage as one figure).
        { resource: "BLOCK", booked: 1500, available: 2000, ratio: 0.75, overCommitted: false },
        { resource: "BLOB", booked: 3000, available: 8000, ratio: 0.375, overCommitted: false },
      ],
      clusters: [
        {
          netboxId: 1,
          name: "cluster-1",
          status: "active",
          hosts: 3,
          vcpus: 64,
          memoryGib: 256,
          blockGib: 2000,
          blobGib: 8000,
        },
      ],
    });
  });

  it("follows NetBox: a host taken out of the cluster and synced lowers what is available", async () => {
    nb.update("devices", 2, { cluster_id: null });
    await syncNow(db.ds, provider.id, "incremental");
    const res = await gql(server, CAPACITY, { p: provider.gid }, as(STAFF));
    const lines = res.data!.capacity.resources as {
      resource: string;
      available: number;
      overCommitted: boolean;
    }[];
    expect(lines.map((l) => [l.resource, l.available, l.overCommitted])).toEqual([
      ["VCPUS", 32, true],
      ["MEMORY", 128, true],
      ["BLOCK", 1000, true],
      ["BLOB", 4000, false],
    ]);
    nb.update("devices", 2, { cluster_id: 1 });
    await syncNow(db.ds, provider.id, "incremental");
  });

  it("pools every cluster of the mirror when no resource provider names one", async () => {
    await db.ds.query(`DELETE FROM resource_provider WHERE provider_id = $1`, [provider.id]);
    try {
      const res = await gql(server, CAPACITY, { p: provider.gid }, as(STAFF));
      const c = res.data!.capacity;
      expect(c.clusters.map((x: { name: string }) => x.name)).toEqual(["cluster-1", "cluster-2"]);
      expect(c.resources[0]).toMatchObject({ resource: "VCPUS", available: 80, overCommitted: false });
      expect(c.missingClusters).toEqual([]);
    } finally {
      await db.ds.query(
        `INSERT INTO resource_provider (provider_id, component_type, implementation, settings)
         VALUES ($1, 'virtualisation', 'proxmox', '{"cluster": "cluster-1"}')`,
        [provider.id],
      );
    }
  });

  it("runs one SQL statement whatever the numbers of clusters, hosts and operators", async () => {
    const count = async (p: string) => {
      const res = await fetch(`${server.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${server.token}` },
        body: JSON.stringify({ query: CAPACITY, variables: { p } }),
      });
      expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
      return Number(res.headers.get("x-sql-statements"));
    };
    await count(provider.gid); // the principal's authorization is loaded once, then kept
    expect(await count(provider.gid)).toBe(1);
    expect(await count(other.gid)).toBe(1);
  });

  it("shows another provider's staff none of it, and its own provider nothing of the first", async () => {
    const theirs = await gql(server, CAPACITY, { p: provider.gid }, as(OTHER_STAFF));
    expect(theirs.data).toBeNull();
    expect(theirs.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const own = await gql(server, CAPACITY, { p: other.gid }, as(OTHER_STAFF));
    expect(own.errors).toBeUndefined();
    expect(own.data!.capacity).toMatchObject({ operators: 1, clusters: [], missingClusters: [] });
    expect(own.data!.capacity.resources[0]).toEqual({
      resource: "VCPUS",
      booked: 900,
      available: 0,
      ratio: null,
      overCommitted: true,
    });
  });

  it("is provider staff's: an operator's admin is refused", async () => {
    const res = await gql(server, CAPACITY, { p: provider.gid }, as(OPERATOR_ADMIN));
    expect(res.data).toBeNull();
    expect(["FORBIDDEN", "NOT_FOUND"]).toContain(res.errors?.[0]?.extensions?.code);
  });
});
