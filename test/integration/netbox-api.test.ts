// The NetBox slice over real HTTP: connection settings, connection tests, syncs through the worker,
// browsing the mirror, operators' own tenants, and webhooks.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { emitClosedTallies } from "../../src/accounting/failure-tally-flush.js";
import { toGlobalId } from "../../src/common/global-id.js";
import { systemCaller } from "../../src/common/caller.js";
import { createLogger } from "../../src/logger.js";
import { NetboxService } from "../../src/netbox/netbox.service.js";
import { type NetboxWorker, startNetboxWorker } from "../../src/netbox/netbox-worker.js";
import type { RunningServer } from "../../src/server.js";
import { makeV1Token, signWebhook, startFakeNetbox, type FakeNetbox } from "../fakes/netbox/index.js";
import { TEST_TLS_CERT, TEST_TLS_KEY } from "../fakes/netbox/tls-fixture.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { TEST_SECRET_KEY, fakeObjects, netboxTestConfig, syncNow } from "../support/netbox.js";
import { gql, startTestServer } from "../support/server.js";

const TOKEN = makeV1Token();
const LIMITED = makeV1Token();
const WEBHOOK_SECRET = "s3cret-webhook-key";
const ENV = {
  NETBOX_SECRET_KEY: TEST_SECRET_KEY,
  NETBOX_RETRIES: "1",
  NETBOX_BACKOFF_MS: "5",
  NETBOX_TIMEOUT_MS: "2000",
};

const ALL_KINDS = [
  "SITE",
  "RACK",
  "DEVICE",
  "INTERFACE",
  "PREFIX",
  "IP_ADDRESS",
  "VLAN",
  "CLUSTER",
  "VIRTUAL_MACHINE",
  "TENANT",
];
const CONNECTION = `id: providerId url tokenFormat tokenHint tlsVerify kinds matchTenantsBySlug webhookConfigured
  webhookPath schedule { enabled incrementalIntervalSeconds fullIntervalSeconds } watermark netboxVersion`;
const SET = `mutation($p: ID!, $i: NetboxConnectionInput!) { setNetboxConnection(providerId: $p, input: $i) { ${CONNECTION} } }`;
const RUN = `id state mode trigger pages created updated deleted unchanged skipped reason issues { kind netboxId reason }
  kinds { kind created } watermarkAfter netboxVersion provider { slug }`;

describe("NetBox over GraphQL and webhooks", () => {
  let db: TestDatabase;
  let server: RunningServer;
  let nb: FakeNetbox;
  let f: ReturnType<typeof factories>;
  let provider: { id: string; gid: string; slug: string };
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    for (const [k, v] of Object.entries(ENV)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    db = await createTestDatabase();
    f = factories(db.ds);
    nb = await startFakeNetbox({
      tokens: [
        TOKEN,
        {
          token: LIMITED,
          permissions: [
            "sites",
            "racks",
            "interfaces",
            "prefixes",
            "ip-addresses",
            "vlans",
            "clusters",
            "tenants",
          ],
        },
      ],
    });
    server = await startTestServer(db.ds);
    provider = await f.provider();
  });
  afterAll(async () => {
    await server?.stop();
    await nb?.stop();
    await db?.drop();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  async function connected() {
    const res = await gql(server, SET, {
      p: provider.gid,
      i: {
        url: nb.url,
        token: TOKEN,
        webhookSecret: WEBHOOK_SECRET,
        kinds: ALL_KINDS,
        schedule: { enabled: false },
      },
    });
    expect(res.errors).toBeUndefined();
    return res.data!.setNetboxConnection;
  }

  describe("connection", () => {
    it("is set by provider admins, keeps the token sealed, and never returns it", async () => {
      const c = await connected();
      expect(c).toEqual({
        id: provider.gid,
        url: nb.url,
        tokenFormat: "V1",
        tokenHint: TOKEN.slice(-4),
        tlsVerify: true,
        kinds: ALL_KINDS,
        matchTenantsBySlug: true,
        webhookConfigured: true,
        webhookPath: `/webhooks/netbox/${provider.slug}`,
        schedule: { enabled: false, incrementalIntervalSeconds: 300, fullIntervalSeconds: 86400 },
        watermark: null,
        netboxVersion: null,
      });
      const [row] = await db.ds.query(`SELECT * FROM netbox_connection WHERE provider_id = $1`, [
        provider.id,
      ]);
      expect(JSON.stringify(row)).not.toContain(TOKEN);
      expect(JSON.stringify(row)).not.toContain(WEBHOOK_SECRET);
      expect(row.token_sealed).toMatch(/^v1\.[0-9a-f]{8}\./);
      const [event] = await db.ds.query(
        `SELECT action, changes FROM accounting_event WHERE target_kind = 'netbox-connection' AND target_id = $1
          ORDER BY id DESC LIMIT 1`,
        [provider.id],
      );
      expect(event.changes.token).toEqual({ before: null, after: "[changed]" });
      expect(JSON.stringify(event)).not.toContain(TOKEN);

      // Omitted fields keep their values; the token stays when none is given.
      const again = await gql(server, SET, {
        p: provider.gid,
        i: { url: nb.url, kinds: ["DEVICE", "SITE"] },
      });
      expect(again.data!.setNetboxConnection).toMatchObject({
        tokenHint: TOKEN.slice(-4),
        kinds: ["DEVICE", "SITE"],
      });
      await connected();
    });

    it("refuses bad settings with the field to blame", async () => {
      const other = await f.provider();
      const cases: [Record<string, unknown>, string][] = [
        [{ url: "ftp://netbox.example", token: TOKEN }, "input.url"],
        [{ url: "https://user:pw@netbox.example", token: TOKEN }, "input.url"],
        [{ url: nb.url }, "input.token"],
        [{ url: nb.url, token: "nbt_abc" }, "input.token"],
        [{ url: nb.url, token: TOKEN, kinds: [] }, "input.kinds"],
        [{ url: nb.url, token: TOKEN, caCertificate: "not a certificate" }, "input.caCertificate"],
        [
          { url: nb.url, token: TOKEN, schedule: { incrementalIntervalSeconds: 5 } },
          "input.schedule.incrementalIntervalSeconds",
        ],
      ];
      for (const [input, field] of cases) {
        const res = await gql(server, SET, { p: other.gid, i: input });
        expect({ field, error: res.errors?.[0]?.extensions }).toEqual({
          field,
          error: expect.objectContaining({ code: "BAD_USER_INPUT", field }),
        });
      }
      const none = await gql(server, `{ netboxConnection(providerId: "${other.gid}") { url } }`);
      expect(none.data).toEqual({ netboxConnection: null });
    });

    it("testNetboxConnection reports the version and what the token can read", async () => {
      await connected();
      const TEST = `mutation($p: ID!, $i: NetboxConnectionInput) { testNetboxConnection(providerId: $p, input: $i) {
        ok error netboxVersion apiVersion tokenFormat warnings kinds { kind readable error } } }`;
      const stored = await gql(server, TEST, { p: provider.gid });
      expect(stored.data!.testNetboxConnection).toMatchObject({
        ok: true,
        error: null,
        netboxVersion: "4.6.8",
        apiVersion: "4.6",
        tokenFormat: "V1",
        warnings: ["v1 API tokens are deprecated since NetBox 4.6"],
      });
      expect(stored.data!.testNetboxConnection.kinds).toHaveLength(11);

      const limited = await gql(server, TEST, { p: provider.gid, i: { url: nb.url, token: LIMITED } });
      const t = limited.data!.testNetboxConnection;
      expect(t).toMatchObject({ ok: false, netboxVersion: "4.6.8" });
      const unreadable = t.kinds.filter((k: { readable: boolean }) => !k.readable);
      expect(unreadable).toEqual([
        { kind: "devices", readable: false, error: "token cannot read devices" },
        { kind: "virtual-machines", readable: false, error: "token cannot read virtual-machines" },
        { kind: "object-changes", readable: false, error: "token cannot read object-changes" },
      ]);
      expect(t.warnings).toContain(
        "the token cannot read the changelog (core.view_objectchange): incremental syncs will fail",
      );

      const wrong = await gql(server, TEST, { p: provider.gid, i: { url: nb.url, token: makeV1Token() } });
      expect(wrong.data!.testNetboxConnection).toMatchObject({
        ok: false,
        error: "NetBox rejected the token: Invalid v1 token",
        kinds: [],
      });
    });
  });

  it("reaches a NetBox behind a private CA, or one whose certificate it may not verify", async () => {
    const tls = await startFakeNetbox({ tokens: [TOKEN], tls: { key: TEST_TLS_KEY, cert: TEST_TLS_CERT } });
    try {
      const other = await f.provider();
      const TEST = `mutation($p: ID!, $i: NetboxConnectionInput) { testNetboxConnection(providerId: $p, input: $i) { ok error } }`;
      const strict = await gql(server, TEST, { p: other.gid, i: { url: tls.url, token: TOKEN } });
      expect(strict.data!.testNetboxConnection).toEqual({
        ok: false,
        error: expect.stringMatching(/^TLS verification of https:\/\/127\.0\.0\.1:\d+ failed/),
      });
      const withCa = await gql(server, TEST, {
        p: other.gid,
        i: { url: tls.url, token: TOKEN, caCertificate: TEST_TLS_CERT },
      });
      expect(withCa.data!.testNetboxConnection).toEqual({ ok: true, error: null });
      const lax = await gql(server, TEST, {
        p: other.gid,
        i: { url: tls.url, token: TOKEN, tlsVerify: false },
      });
      expect(lax.data!.testNetboxConnection).toEqual({ ok: true, error: null });

      // The stored CA serves the syncs too.
      const set = await gql(server, `${SET}`, {
        p: other.gid,
        i: { url: tls.url, token: TOKEN, caCertificate: TEST_TLS_CERT, schedule: { enabled: false } },
      });
      expect(set.errors).toBeUndefined();
      expect((await syncNow(db.ds, other.id, "full")).state).toBe("succeeded");
    } finally {
      await tls.stop();
    }
  });

  describe("sync runs", () => {
    let worker: NetboxWorker;
    beforeAll(async () => {
      await connected();
      worker = startNetboxWorker(db.ds, createLogger("silent"), { ...netboxTestConfig(), schedule: false });
    });
    afterAll(async () => {
      await worker?.stop();
    });

    async function until(id: string, states: string[]) {
      for (let i = 0; i < 400; i++) {
        const res = await gql(server, `query($id: ID!) { netboxSyncRun(id: $id) { ${RUN} } }`, { id });
        const run = res.data!.netboxSyncRun;
        if (states.includes(run.state)) return run;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`run ${id} did not reach ${states}`);
    }

    it("syncNetbox queues a sync that a worker runs; one at a time per provider", async () => {
      const SYNC = `mutation($p: ID!, $m: NetboxSyncMode!) { syncNetbox(providerId: $p, mode: $m) { ${RUN} } }`;
      const first = await gql(server, SYNC, { p: provider.gid, m: "FULL" });
      expect(first.errors).toBeUndefined();
      expect(first.data!.syncNetbox).toMatchObject({ state: "QUEUED", mode: "FULL", trigger: "MANUAL" });
      const second = await gql(server, SYNC, { p: provider.gid, m: "INCREMENTAL" });
      expect(second.errors?.[0]?.extensions).toMatchObject({
        code: "CONFLICT",
        syncRunId: first.data!.syncNetbox.id,
      });

      const done = await until(first.data!.syncNetbox.id, ["SUCCEEDED", "FAILED"]);
      const total = [...(await fakeObjects(nb, TOKEN)).values()].reduce((n, m) => n + m.size, 0);
      expect(done).toMatchObject({
        state: "SUCCEEDED",
        created: total,
        updated: 0,
        deleted: 0,
        skipped: 0,
        reason: null,
        netboxVersion: "4.6.8",
        provider: { slug: provider.slug },
      });
      expect(done.kinds.find((k: { kind: string }) => k.kind === "DEVICE")).toEqual({
        kind: "DEVICE",
        created: nb.data.devices.size,
      });

      nb.update("devices", 3, { status: "planned" });
      const inc = await gql(server, SYNC, { p: provider.gid, m: "INCREMENTAL" });
      const incDone = await until(inc.data!.syncNetbox.id, ["SUCCEEDED", "FAILED"]);
      expect(incDone).toMatchObject({ state: "SUCCEEDED", mode: "INCREMENTAL", updated: 1 });

      const list = await gql(
        server,
        `query($p: ID!) { netboxSyncRuns(providerId: $p, first: 5) { totalCount nodes { id mode } }
           netboxConnection(providerId: $p) { watermark netboxVersion lastSyncRun { id } } }`,
        { p: provider.gid },
      );
      expect(list.data!.netboxSyncRuns.nodes.map((r: { mode: string }) => r.mode)).toEqual([
        "INCREMENTAL",
        "FULL",
      ]);
      expect(list.data!.netboxConnection).toEqual({
        watermark: String(nb.changes.all().at(-1)!.id),
        netboxVersion: "4.6.8",
        lastSyncRun: { id: inc.data!.syncNetbox.id },
      });
    });
  });

  describe("browsing the mirror", () => {
    beforeAll(async () => {
      await connected();
      await syncNow(db.ds, provider.id, "full");
    });

    const objects = (kind: string, filter: Record<string, unknown>, fields = "netboxId") =>
      gql(
        server,
        `query($p: ID!, $k: NetboxKind!, $f: NetboxObjectFilter) {
           netboxObjects(providerId: $p, kind: $k, filter: $f, first: 100) { totalCount nodes { ${fields} } } }`,
        { p: provider.gid, k: kind, f: filter },
      );
    const ids = (res: Awaited<ReturnType<typeof objects>>) => {
      expect(res.errors).toBeUndefined();
      return res.data!.netboxObjects.nodes.map((n: { netboxId: number }) => n.netboxId);
    };

    it("filters devices by site, role and status", async () => {
      const want = nb.data.devices
        .all()
        .filter((d) => d.site_id === 1 && d.status === "active" && d.role_id === 1)
        .map((d) => d.id);
      expect(want.length).toBeGreaterThan(0);
      expect(ids(await objects("DEVICE", { siteId: 1, status: ["active"], role: ["edge-router"] }))).toEqual(
        want,
      );
      expect(
        ids(await objects("DEVICE", { siteSlug: "site001", status: ["active"], role: ["edge-router"] })),
      ).toEqual(want);
      const res = await objects(
        "DEVICE",
        { siteId: 1 },
        `netboxId name ... on NetboxDevice { role site { slug } rack { name } interfaces(first: 10) { nodes { name } } }`,
      );
      const d = res.data!.netboxObjects.nodes[0];
      expect(d.site).toEqual({ slug: "site001" });
      expect(d.interfaces.nodes.map((i: { name: string }) => i.name)).toEqual(
        nb.data.interfaces
          .all()
          .filter((i) => i.device_id === d.netboxId)
          .map((i) => i.name),
      );
    });

    it("finds IP addresses inside a prefix (<<=) and the prefixes containing an address", async () => {
      const within = nb.data["ip-addresses"]
        .all()
        .filter((ip) => ip.address.startsWith("100.64.0."))
        .map((ip) => ip.id);
      expect(ids(await objects("IP_ADDRESS", { withinPrefix: "100.64.0.0/24" }))).toEqual(within);
      expect(ids(await objects("IP_ADDRESS", { withinPrefix: "100.64.0.0/28" }))).toEqual(
        within.filter((id) => id < 16),
      );
      expect(ids(await objects("PREFIX", { containing: "10.1.0.77" }))).toEqual([2]);
      const bad = await objects("IP_ADDRESS", { withinPrefix: "not-a-prefix" });
      expect(bad.errors?.[0]?.extensions).toMatchObject({
        code: "BAD_USER_INPUT",
        field: "filter.withinPrefix",
      });
      const wrongKind = await objects("DEVICE", { withinPrefix: "10.0.0.0/8" });
      expect(wrongKind.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT" });
    });

    it("lists the VMs of a cluster, and an object's raw NetBox form", async () => {
      const want = nb.data["virtual-machines"]
        .all()
        .filter((vm) => vm.cluster_id === 2)
        .map((vm) => vm.id);
      expect(ids(await objects("VIRTUAL_MACHINE", { clusterId: 2 }))).toEqual(want);
      const res = await objects(
        "CLUSTER",
        {},
        `netboxId ... on NetboxCluster { clusterType virtualMachines(first: 50) { nodes { netboxId } } } id`,
      );
      const cluster = res.data!.netboxObjects.nodes.find((c: { netboxId: number }) => c.netboxId === 2);
      expect(cluster.virtualMachines.nodes.map((v: { netboxId: number }) => v.netboxId)).toEqual(want);
      expect(cluster.clusterType).toBe("proxmox");
      const one = await gql(server, `query($id: ID!) { netboxObject(id: $id) { netboxId kind raw } }`, {
        id: cluster.id,
      });
      const fake = (await fakeObjects(nb, TOKEN)).get("clusters")!.get(2);
      expect(one.data!.netboxObject).toEqual({ netboxId: 2, kind: "CLUSTER", raw: fake });
    });
  });

  describe("operators see their own tenants' objects only", () => {
    it("by slug, by explicit mapping, and not at all when mapped to no operator", async () => {
      const own = await f.provider();
      const fake = await startFakeNetbox({ tokens: [TOKEN] });
      try {
        await new NetboxService(db.ds, netboxTestConfig()).setConnection(systemCaller(), own.gid, {
          url: fake.url,
          token: TOKEN,
          schedule: { enabled: false },
        });
        await syncNow(db.ds, own.id, "full");
        const [a] = await db.ds.query(
          `INSERT INTO operator (provider_id, slug, name, contact_email, dns_zone)
           VALUES ($1, 'tenant-1', 'Tenant One Hosting', 'a@t1.example', $2) RETURNING id`,
          [own.id, `t1-${own.slug}.example`],
        );
        const b = await f.operator(own.id);
        const OWN = `query($o: ID!) { node(id: $o) { ... on Operator { netbox {
          tenants { netboxId slug operator { slug } }
          virtualMachines(first: 100) { nodes { netboxId tenant { netboxId } } }
          ipAddresses(first: 100) { totalCount nodes { netboxId } }
          prefixes(first: 100) { nodes { netboxId } } } } } }`;
        const seen = async (operatorId: string) => {
          const res = await gql(server, OWN, { o: operatorId });
          expect(res.errors).toBeUndefined();
          return res.data!.node.netbox;
        };
        const tenantOf = (kind: "virtual-machines" | "ip-addresses" | "prefixes", t: number) =>
          fake.data[kind]
            .all()
            .filter((r) => r.tenant_id === t)
            .map((r) => r.id);

        const mine = await seen(toGlobalId("Operator", a.id));
        expect(mine.tenants).toEqual([{ netboxId: 1, slug: "tenant-1", operator: { slug: "tenant-1" } }]);
        expect(mine.virtualMachines.nodes.map((v: { netboxId: number }) => v.netboxId)).toEqual(
          tenantOf("virtual-machines", 1),
        );
        expect(
          mine.virtualMachines.nodes.every((v: { tenant: { netboxId: number } }) => v.tenant.netboxId === 1),
        ).toBe(true);
        expect(mine.ipAddresses.nodes.map((v: { netboxId: number }) => v.netboxId)).toEqual(
          tenantOf("ip-addresses", 1),
        );
        expect(mine.prefixes.nodes.map((v: { netboxId: number }) => v.netboxId)).toEqual(
          tenantOf("prefixes", 1),
        );
        expect((await seen(b.gid)).virtualMachines.nodes).toEqual([]);

        // Tenant 2 goes to operator b explicitly; tenant 1 to nobody.
        const MAP = `mutation($p: ID!, $t: Int!, $o: ID) { setNetboxTenantMapping(providerId: $p, netboxTenantId: $t, operatorId: $o) {
          tenantMappings { netboxTenantId operator { slug } tenant { slug } } } }`;
        await gql(server, MAP, { p: own.gid, t: 2, o: b.gid });
        const mapped = await gql(server, MAP, { p: own.gid, t: 1, o: null });
        expect(mapped.data!.setNetboxTenantMapping.tenantMappings).toEqual([
          { netboxTenantId: 1, operator: null, tenant: { slug: "tenant-1" } },
          { netboxTenantId: 2, operator: { slug: b.slug }, tenant: { slug: "tenant-2" } },
        ]);
        expect((await seen(toGlobalId("Operator", a.id))).virtualMachines.nodes).toEqual([]);
        expect(
          (await seen(b.gid)).virtualMachines.nodes.map((v: { netboxId: number }) => v.netboxId),
        ).toEqual(tenantOf("virtual-machines", 2));

        // The service narrows a listing to one operator's tenants (Operator.netbox).
        const scoped = await new NetboxService(db.ds, netboxTestConfig()).listObjects(
          systemCaller(),
          { providerId: own.id, kind: "ip-addresses", operatorId: b.id },
          undefined,
          { first: 100 },
        );
        expect(scoped.nodes.map((n) => n.netboxId)).toEqual(tenantOf("ip-addresses", 2));
        const foreign = await gql(
          server,
          `mutation($p: ID!, $t: Int!, $o: ID) {
            setNetboxTenantMapping(providerId: $p, netboxTenantId: $t, operatorId: $o) { url } }`,
          {
            p: own.gid,
            t: 3,
            o: toGlobalId("Operator", (await f.operator((await f.provider()).id)).id),
          },
        );
        expect(foreign.errors?.[0]?.extensions).toMatchObject({
          code: "BAD_USER_INPUT",
          field: "operatorId",
        });
      } finally {
        await fake.stop();
      }
    });
  });

  describe("webhooks", () => {
    const post = (body: string, signature: string | null, slug = provider.slug) =>
      fetch(`${server.url}/webhooks/netbox/${slug}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(signature ? { "x-hook-signature": signature } : {}),
        },
        body,
      });
    const mirrored = async (kind: string, id: number) => {
      const [row] = await db.ds.query(
        `SELECT name, status, deleted_at IS NOT NULL AS deleted, raw FROM netbox_object
          WHERE provider_id = $1 AND kind = $2 AND netbox_id = $3`,
        [provider.id, kind, id],
      );
      return row;
    };
    beforeAll(async () => {
      await connected();
      await syncNow(db.ds, provider.id, "full");
    });

    it("applies signed events idempotently, newest copy wins", async () => {
      const target = `${server.url}/webhooks/netbox/${provider.slug}`;
      const site = nb.create("sites", { name: "HOOK1", slug: "hook1" });
      const created = await nb.emitWebhook(target, WEBHOOK_SECRET, {
        event: "created",
        kind: "sites",
        id: site.id,
      });
      expect([created.status, JSON.parse(created.responseBody)]).toEqual([200, { result: "created" }]);
      // Replayed (NetBox retries on errors): nothing changes.
      const replay = await post(created.body, created.signature);
      expect(await replay.json()).toEqual({ result: "unchanged" });
      // Same as a REST listing would show it: URLs made absolute, so the next full sync finds no change.
      const rest = (await fakeObjects(nb, TOKEN)).get("sites")!.get(site.id);
      expect((await mirrored("sites", site.id)).raw).toEqual(rest);

      const stale = nb.webhookBody({ event: "updated", kind: "sites", id: site.id });
      nb.update("sites", site.id, { status: "retired" });
      const updated = await nb.emitWebhook(target, WEBHOOK_SECRET, {
        event: "updated",
        kind: "sites",
        id: site.id,
      });
      expect(JSON.parse(updated.responseBody)).toEqual({ result: "updated" });
      const late = JSON.stringify(stale);
      expect(await (await post(late, signWebhook(WEBHOOK_SECRET, late))).json()).toEqual({ result: "stale" });
      expect(await mirrored("sites", site.id)).toMatchObject({ status: "retired", deleted: false });

      const row = nb.remove("sites", site.id)!;
      const deleted = await nb.emitWebhook(target, WEBHOOK_SECRET, {
        event: "deleted",
        kind: "sites",
        id: site.id,
        row,
      });
      expect(JSON.parse(deleted.responseBody)).toEqual({ result: "deleted" });
      expect(await mirrored("sites", site.id)).toMatchObject({ deleted: true });
      // A late update cannot bring a deleted object back.
      expect(await (await post(updated.body, updated.signature)).json()).toEqual({ result: "stale" });

      const full = await syncNow(db.ds, provider.id, "full");
      expect(full).toMatchObject({ state: "succeeded", created: 0, deleted: 0 });
    });

    it("keeps a webhook's newer copy over the older page of a full sync running meanwhile", async () => {
      const paged = await startFakeNetbox({ tokens: [TOKEN], maxPageSize: 5 });
      try {
        const other = await f.provider();
        await new NetboxService(db.ds, netboxTestConfig()).setConnection(systemCaller(), other.gid, {
          url: paged.url,
          token: TOKEN,
          webhookSecret: WEBHOOK_SECRET,
          schedule: { enabled: false },
        });
        await syncNow(db.ds, other.id, "full");
        let armed = true;
        paged.onPageServed(async ({ kind }) => {
          if (!armed || kind !== "devices") return;
          armed = false;
          // Device 1 was just read; NetBox changes it and tells us before the sync gets to merge.
          paged.update("devices", 1, { status: "failed" });
          const hook = await paged.emitWebhook(
            `${server.url}/webhooks/netbox/${other.slug}`,
            WEBHOOK_SECRET,
            {
              event: "updated",
              kind: "devices",
              id: 1,
            },
          );
          expect(JSON.parse(hook.responseBody)).toEqual({ result: "updated" });
        });
        const run = await syncNow(db.ds, other.id, "full");
        expect(run.state).toBe("succeeded");
        expect(armed).toBe(false);
        const [row] = await db.ds.query(
          `SELECT status FROM netbox_object WHERE provider_id = $1 AND kind = 'devices' AND netbox_id = 1`,
          [other.id],
        );
        expect(row).toEqual({ status: "failed" });
      } finally {
        await paged.stop();
      }
    });

    it("understands NetBox 4.3 bodies (model instead of object_type) and ignores kinds not mirrored", async () => {
      const old = await startFakeNetbox({ version: "4.3", tokens: [TOKEN], data: nb.data });
      try {
        const body = old.webhookBody({ event: "updated", kind: "tenants", id: 1, actionData: { note: "x" } });
        expect(body).not.toHaveProperty("object_type");
        const raw = JSON.stringify(body);
        const res = await post(raw, signWebhook(WEBHOOK_SECRET, raw));
        expect(res.status).toBe(200);
        expect(["updated", "unchanged"]).toContain(((await res.json()) as { result: string }).result);
      } finally {
        await old.stop();
      }
      const job = JSON.stringify({ event: "job_started", object_type: "core.job", data: {} });
      expect(await (await post(job, signWebhook(WEBHOOK_SECRET, job))).json()).toEqual({ result: "ignored" });
    });

    it("refuses a bad or missing signature and records the refusal", async () => {
      const body = JSON.stringify(nb.webhookBody({ event: "updated", kind: "devices", id: 1 }));
      const before = await mirrored("devices", 1);
      const bad = await post(body, signWebhook("wrong-secret", body));
      expect([bad.status, await bad.json()]).toEqual([403, { error: "bad webhook signature" }]);
      const none = await post(body, null);
      expect(none.status).toBe(403);
      const tampered = await post(body.replace('"active"', '"offline"'), signWebhook(WEBHOOK_SECRET, body));
      expect(tampered.status).toBe(403);
      expect(await mirrored("devices", 1)).toEqual(before);
      // The sender is anonymous: its refusals are counted, and written as one event when the window closes.
      await emitClosedTallies(db.ds, { closedBy: new Date(Date.now() + 3600_000) });
      const events = await db.ds.query(
        `SELECT action, outcome, reason, initiator->>'ip' AS ip, initiator->'attempts' AS attempts
           FROM accounting_event
          WHERE target_kind = 'netbox-connection' AND target_id = $1 AND action = 'netbox-webhook'`,
        [provider.id],
      );
      expect(events).toEqual([
        {
          action: "netbox-webhook",
          outcome: "failure",
          reason: expect.stringMatching(
            /^bad webhook signature: 3 attempts from 127\.0\.0\.1 in the 60 s after /,
          ),
          ip: "127.0.0.1",
          attempts: 3,
        },
      ]);
      expect((await post(body, signWebhook(WEBHOOK_SECRET, body), "no-such-provider")).status).toBe(404);
    });

    it("refuses, with 400 and unchanged, an event holding text PostgreSQL cannot store", async () => {
      const before = await mirrored("devices", 1);
      const cases: [Record<string, unknown>, string][] = [
        [{ name: "evil\u0000" }, "body.data.name"],
        [{ description: "\ud800" }, "body.data.description"],
        [{ custom_fields: { "k\u0000": 1 } }, "body.data.custom_fields"],
      ];
      for (const [bad, where] of cases) {
        const event = nb.webhookBody({ event: "updated", kind: "devices", id: 1 });
        Object.assign(event.data as Record<string, unknown>, bad);
        const body = JSON.stringify(event);
        const res = await post(body, signWebhook(WEBHOOK_SECRET, body));
        expect([res.status, await res.json()]).toEqual([
          400,
          { error: `${where} contains a NUL character or an unpaired surrogate, which cannot be stored` },
        ]);
      }
      expect(await mirrored("devices", 1)).toEqual(before);
    });
  });
});
