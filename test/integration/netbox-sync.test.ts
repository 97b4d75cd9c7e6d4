// The NetBox sync against the fake NetBox over real HTTP, into the test's own PostgreSQL database.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { dbOf } from "../../src/db/db.js";
import { systemCaller } from "../../src/common/caller.js";
import { createLogger } from "../../src/logger.js";
import { RUNNER_LOST, claimSyncRun, enqueueSync, executeSyncRun } from "../../src/netbox/sync-runner.js";
import { enqueueDueSyncs, reapLostSyncRuns } from "../../src/netbox/sync-schedule.js";
import { createDataSource } from "../../src/db/data-source.js";
import {
  makeV1Token,
  makeV2Token,
  startFakeNetbox,
  type FakeNetbox,
  type FakeTokenSpec,
} from "../fakes/netbox/index.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { NETBOX_KINDS } from "../../src/netbox/kinds.js";
import {
  connectFake,
  expectMirrorEqualsFake,
  kindValue,
  mirrorState,
  netboxTestConfig,
  syncNow,
} from "../support/netbox.js";

const TOKEN = makeV1Token();

describe("NetBox sync", () => {
  let db: TestDatabase;
  let f: ReturnType<typeof factories>;
  const fakes: FakeNetbox[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    f = factories(db.ds);
  });
  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((nb) => nb.stop()));
  });
  afterAll(async () => {
    await db?.drop();
  });

  async function setup(options: Parameters<typeof startFakeNetbox>[0] = {}) {
    const nb = await startFakeNetbox({ tokens: [TOKEN], ...options });
    fakes.push(nb);
    const provider = await f.provider();
    await connectFake(db.ds, provider.id, nb, TOKEN);
    return { nb, providerId: provider.id };
  }

  it("mirrors everything in a full sync, then follows creates, updates, deletes and renames incrementally", async () => {
    const { nb, providerId } = await setup();
    const total = [...Object.values(nb.data)].length; // sanity: data present
    expect(total).toBeGreaterThan(0);

    const first = await syncNow(db.ds, providerId, "full");
    expect(first).toMatchObject({
      state: "succeeded",
      mode: "full",
      updated: 0,
      deleted: 0,
      unchanged: 0,
      skipped: 0,
    });
    const objects =
      nb.data.devices.size + nb.data.interfaces.size + nb.data.sites.size + nb.data.tenants.size;
    expect(first.created).toBeGreaterThan(objects);
    await expectMirrorEqualsFake(db.ds, providerId, nb, TOKEN);

    const again = await syncNow(db.ds, providerId, "full");
    expect(again).toMatchObject({
      state: "succeeded",
      created: 0,
      updated: 0,
      deleted: 0,
      unchanged: first.created,
    });

    // Between runs: a new site with a device, an update, a rename, two deletes, a new IP.
    const site = nb.create("sites", { name: "AMS9", slug: "ams9", status: "planned" });
    const device = nb.create("devices", {
      name: "ams9-edge-01",
      site_id: site.id,
      role_id: 1,
      device_type_id: 1,
    });
    nb.update("devices", 2, { status: "offline" });
    nb.update("sites", 1, { name: "SITE001-RENAMED" });
    nb.remove("virtual-machines", 3);
    nb.remove("interfaces", 40); // one without IP addresses: theirs would change without a changelog entry
    const ip = nb.create("ip-addresses", { address: "198.51.100.7/24", tenant_id: 1 });

    const inc = await syncNow(db.ds, providerId, "incremental");
    expect(inc).toMatchObject({
      state: "succeeded",
      mode: "incremental",
      created: 3,
      updated: 2,
      deleted: 2,
    });
    expect(Number(inc.watermarkAfter)).toBeGreaterThan(Number(inc.watermarkBefore));
    const changed = new Set([
      `sites:${site.id}`,
      `devices:${device.id}`,
      "devices:2",
      "sites:1",
      `ip-addresses:${ip.id}`,
    ]);
    await expectMirrorEqualsFake(db.ds, providerId, nb, TOKEN, changed);

    // Nothing new: the overlap window re-reads the same changes and finds nothing to do.
    const quiet = await syncNow(db.ds, providerId, "incremental");
    expect(quiet).toMatchObject({ state: "succeeded", created: 0, updated: 0, deleted: 0, unchanged: 5 });

    // A full sync catches what the changelog cannot show (a device's nested site name after the rename).
    const full = await syncNow(db.ds, providerId, "full");
    expect(full).toMatchObject({ state: "succeeded", created: 0, deleted: 0 });
    expect(full.updated).toBeGreaterThan(0);
    await expectMirrorEqualsFake(db.ds, providerId, nb, TOKEN);
    const [deleted] = await dbOf(db.ds).query<{ n: number }>(
      `SELECT count(*)::int AS n FROM netbox_object WHERE provider_id = $1 AND deleted_at IS NOT NULL`,
      [providerId],
    );
    expect(deleted!.n).toBe(2);
    expect(await mirrorState(db.ds, providerId)).toContain("@");
  });

  it("treats an object that is gone on re-fetch as deleted, and falls back to a full sync when the changelog was pruned", async () => {
    const { nb, providerId } = await setup();
    await syncNow(db.ds, providerId, "full");
    // Changed, then removed outside any request: the changelog shows the update only.
    nb.update("virtual-machines", 4, { serial: "NEW-SERIAL" });
    nb.data["virtual-machines"].delete(4);
    const inc = await syncNow(db.ds, providerId, "incremental");
    expect(inc).toMatchObject({ state: "succeeded", mode: "incremental", deleted: 1 });
    await expectMirrorEqualsFake(db.ds, providerId, nb, TOKEN, new Set());

    nb.update("sites", 2, { name: "PRUNED-AWAY" });
    nb.changes.prune(0, Date.now() + 1000);
    const pruned = await syncNow(db.ds, providerId, "incremental");
    // The renamed site, and the objects that show its name nested.
    expect(pruned).toMatchObject({ state: "succeeded", mode: "full", created: 0, deleted: 0 });
    expect(pruned.kindCounts.sites).toMatchObject({ updated: 1 });
    expect(pruned.issues[0]!.reason).toMatch(/pruned.*ran a full sync/);
    await expectMirrorEqualsFake(db.ds, providerId, nb, TOKEN);
  });

  it("drops the objects of kinds no longer mirrored, and lists a kind added again in full", async () => {
    const { nb, providerId } = await setup();
    await syncNow(db.ds, providerId, "full");
    const count = async (kind: string) => {
      const [r] = await dbOf(db.ds).query<{ n: number }>(
        `SELECT count(*)::int AS n FROM netbox_object WHERE provider_id = $1 AND kind = $2`,
        [providerId, kind],
      );
      return r!.n;
    };
    expect(await count("interfaces")).toBe(nb.data.interfaces.size);
    const allButInterfaces = NETBOX_KINDS.filter((k) => k !== "interfaces").map(kindValue);
    await connectFake(db.ds, providerId, nb, TOKEN, { kinds: allButInterfaces });
    expect(await count("interfaces")).toBe(0);
    // Kinds only shrank: the watermark stands, and incremental syncs leave interfaces alone.
    nb.update("interfaces", 1, { description: "ignored" });
    expect(await syncNow(db.ds, providerId, "incremental")).toMatchObject({
      mode: "incremental",
      created: 0,
    });
    expect(await count("interfaces")).toBe(0);

    await connectFake(db.ds, providerId, nb, TOKEN, { kinds: NETBOX_KINDS.map(kindValue) });
    const back = await syncNow(db.ds, providerId, "incremental");
    expect(back).toMatchObject({ state: "succeeded", mode: "full", created: nb.data.interfaces.size });
    await expectMirrorEqualsFake(db.ds, providerId, nb, TOKEN);
  });

  it("reads objects that change between pages without losing any, and settles with the next incremental sync", async () => {
    const { nb, providerId } = await setup({ maxPageSize: 5 });
    let created = 0;
    nb.onPageServed(({ kind, page }) => {
      if (kind !== "devices" || page !== 1) return;
      // Not read yet; NetBox deletes a device's interfaces with it.
      for (const i of nb.data.interfaces.all().filter((x) => x.device_id === 8))
        nb.remove("interfaces", i.id);
      nb.remove("devices", 8);
      nb.update("devices", 2, { name: "renamed-after-it-was-read" });
      nb.update("devices", 11, { status: "failed" }); // not read yet
      created = nb.create("devices", { name: "new-mid-listing", site_id: 1 }).id;
    });
    const full = await syncNow(db.ds, providerId, "full");
    expect(full.state).toBe("succeeded");
    expect(full.pages).toBeGreaterThan(10);
    const names = await dbOf(db.ds).query<{ netbox_id: number; name: string; status: string }>(
      `SELECT netbox_id, name, status FROM netbox_object WHERE provider_id = $1 AND kind = 'devices' AND deleted_at IS NULL`,
      [providerId],
    );
    const byId = new Map(names.map((r) => [r.netbox_id, r]));
    expect(byId.has(8)).toBe(false);
    expect(byId.get(created)?.name).toBe("new-mid-listing");
    expect(byId.get(11)?.status).toBe("failed");
    expect(byId.get(2)?.name).not.toBe("renamed-after-it-was-read");

    const inc = await syncNow(db.ds, providerId, "incremental");
    expect(inc.state).toBe("succeeded");
    await expectMirrorEqualsFake(db.ds, providerId, nb, TOKEN, new Set(["devices:2"]));
  });

  it("works with NetBox 4.2 (keyset paging) and with v2 tokens on 4.5", async () => {
    for (const [version, token] of [
      ["4.2", TOKEN],
      ["4.5", makeV2Token()],
    ] as const) {
      const nb = await startFakeNetbox({ version, tokens: [token], maxPageSize: 7 });
      fakes.push(nb);
      const provider = await f.provider();
      await connectFake(db.ds, provider.id, nb, token);
      expect((await syncNow(db.ds, provider.id, "full")).state).toBe("succeeded");
      nb.update("virtual-machines", 1, { name: "vm-renamed" });
      nb.create("tenants", { name: "New Tenant", slug: "new-tenant" });
      const inc = await syncNow(db.ds, provider.id, "incremental");
      expect(inc).toMatchObject({ state: "succeeded", mode: "incremental", created: 1, updated: 1 });
      await expectMirrorEqualsFake(db.ds, provider.id, nb, token, new Set(["virtual-machines:1"]));
      const q = nb.requests
        .filter((r) => r.path === "/api/dcim/devices/")
        .map((r) => new URLSearchParams(r.query));
      // Keyset paging before 4.6 (cursors come with 4.6), never offsets.
      expect(q.every((p) => p.get("ordering") === "id" && p.has("id__gt") && !p.has("offset"))).toBe(true);
    }
  });

  it("skips and reports malformed objects, keeping their last good copy", async () => {
    const { nb, providerId } = await setup();
    await syncNow(db.ds, providerId, "full");
    const [before] = await dbOf(db.ds).query<{ raw: object }>(
      `SELECT raw FROM netbox_object WHERE provider_id = $1 AND kind = 'devices' AND netbox_id = 1`,
      [providerId],
    );
    nb.faults.transform(
      (body) => {
        const results = (body as { results: Record<string, unknown>[] }).results;
        results[0]!.site = "not an object";
        delete results[1]!.id;
        return body;
      },
      { path: "/api/dcim/devices/" },
    );
    nb.faults.transform(
      (body) => {
        const results = (body as { results: Record<string, unknown>[] }).results;
        results[2]!.address = "300.1.2.3/24";
        return body;
      },
      { path: "/api/ipam/ip-addresses/" },
    );
    const run = await syncNow(db.ds, providerId, "full");
    // An object without an id could be any of them: no device is marked deleted by this listing.
    expect(run).toMatchObject({ state: "succeeded", skipped: 3, deleted: 0 });
    expect(run.kindCounts.devices).toMatchObject({ skipped: 2 });
    expect(run.issues).toEqual(
      expect.arrayContaining([
        { kind: "devices", netboxId: 1, reason: "site is not an object" },
        { kind: "devices", netboxId: null, reason: "missing or invalid id" },
        { kind: "ip-addresses", netboxId: 3, reason: 'address "300.1.2.3/24" is not an IP address' },
      ]),
    );
    const [after] = await dbOf(db.ds).query<{ raw: object; deleted_at: Date | null }>(
      `SELECT raw, deleted_at FROM netbox_object WHERE provider_id = $1 AND kind = 'devices' AND netbox_id = 1`,
      [providerId],
    );
    expect(after).toEqual({ raw: before!.raw, deleted_at: null });
  });

  describe("faults: the run fails with the reason, the mirror and the watermark stay as they were", () => {
    const cases: {
      name: string;
      mode: "full" | "incremental";
      inject: (nb: FakeNetbox) => void;
      reason: RegExp;
      timeoutMs?: number;
      token?: FakeTokenSpec;
    }[] = [
      {
        name: "5xx",
        mode: "full",
        inject: (nb) => nb.faults.status(503, { path: "/api/dcim/interfaces/", skip: 2 }),
        reason: /^interfaces: NetBox HTTP 503 \(gave up after 3 attempts\)$/,
      },
      {
        name: "connection resets",
        mode: "full",
        inject: (nb) => nb.faults.reset({ path: "/api/ipam/ip-addresses/", skip: 1 }),
        reason: /^ip-addresses: NetBox connection failed .*\(gave up after 3 attempts\)$/,
      },
      {
        name: "timeouts",
        mode: "incremental",
        inject: (nb) => nb.faults.inject({ path: "/api/dcim/devices/", action: { type: "hang" } }),
        reason: /^devices: NetBox timed out after 300 ms \(gave up after 3 attempts\)$/,
        timeoutMs: 300,
      },
      {
        name: "429 with Retry-After",
        mode: "full",
        inject: (nb) => nb.faults.rateLimit(0, { path: "/api/dcim/sites/" }),
        reason: /^sites: NetBox rate limited \(429\) \(gave up after 3 attempts\)$/,
      },
      {
        name: "truncated JSON",
        mode: "incremental",
        inject: (nb) => nb.faults.truncate({ path: "/api/core/object-changes/" }),
        reason: /^object-changes: malformed JSON from NetBox: .*\(gave up after 3 attempts\)$/,
      },
      {
        name: "a token that cannot read a kind (403)",
        mode: "full",
        inject: () => undefined,
        reason: /^token cannot read virtual-machines$/,
        token: {
          token: TOKEN,
          // Everything but VMs, listed after the other kinds.
          permissions: [
            "sites",
            "racks",
            "devices",
            "interfaces",
            "prefixes",
            "ip-addresses",
            "vlans",
            "clusters",
            "tenants",
            "object-changes",
          ],
        },
      },
    ];

    it.each(cases)("$name ($mode)", async ({ mode, inject, reason, timeoutMs, token }) => {
      // Small pages, so a fault can strike mid-listing, after pages were read and staged.
      const nb = await startFakeNetbox({ tokens: [TOKEN], maxPageSize: 10 });
      fakes.push(nb);
      const provider = await f.provider();
      await connectFake(db.ds, provider.id, nb, TOKEN);
      expect((await syncNow(db.ds, provider.id, "full")).state).toBe("succeeded");
      // Changes a successful sync would bring in.
      nb.update("devices", 1, { status: "offline" });
      nb.create("sites", { name: "NEW", slug: "new" });
      nb.remove("virtual-machines", 2);
      const before = await mirrorState(db.ds, provider.id);
      let faulty = nb;
      if (token) {
        faulty = await startFakeNetbox({ tokens: [token], data: nb.data });
        fakes.push(faulty);
        await db.ds.query(`UPDATE netbox_connection SET url = $2 WHERE provider_id = $1`, [
          provider.id,
          faulty.url,
        ]);
      }
      inject(faulty);
      const run = await syncNow(db.ds, provider.id, mode, netboxTestConfig({ timeoutMs: timeoutMs ?? 2000 }));
      expect(run.state).toBe("failed");
      expect(run.reason).toMatch(reason);
      // How far it got is recorded too.
      if (mode === "full") expect(run.pages).toBeGreaterThan(0);
      expect(await mirrorState(db.ds, provider.id)).toBe(before);
      const [event] = await dbOf(db.ds).query(
        `SELECT outcome, reason FROM accounting_event WHERE target_kind = 'netbox-sync-run' AND target_id = $1 AND outcome = 'failure'`,
        [run.id],
      );
      expect(event).toEqual({ outcome: "failure", reason: run.reason });

      // Once NetBox behaves, the same sync brings everything in.
      faulty.faults.clear();
      if (token)
        await db.ds.query(`UPDATE netbox_connection SET url = $2 WHERE provider_id = $1`, [
          provider.id,
          nb.url,
        ]);
      expect((await syncNow(db.ds, provider.id, mode)).state).toBe("succeeded");
      await expectMirrorEqualsFake(db.ds, provider.id, nb, TOKEN, new Set(["devices:1", "sites:4"]));
    });

    it("retries transient faults with back-off, honouring Retry-After", async () => {
      const { nb, providerId } = await setup();
      nb.faults.status(502, { path: "/api/dcim/devices/", times: 2 });
      nb.faults.reset({ path: "/api/ipam/prefixes/", times: 2 });
      nb.faults.rateLimit(1, { path: "/api/tenancy/tenants/", times: 1 });
      const started = Date.now();
      const run = await syncNow(db.ds, providerId, "full");
      expect(run.state).toBe("succeeded");
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      await expectMirrorEqualsFake(db.ds, providerId, nb, TOKEN);
    });
  });

  it("runs one sync per provider at a time across processes, and fails the syncs of processes that died", async () => {
    const { nb, providerId } = await setup();
    const id = (await enqueueSync(db.ds, systemCaller(), providerId, "full", "manual"))!;
    expect(await enqueueSync(db.ds, systemCaller(), providerId, "incremental", "manual")).toBeNull();
    // A second process: its own pool, so its own sessions and advisory locks.
    const other = createDataSource({ url: db.url, poolSize: 2, log: createLogger("silent") });
    await other.initialize();
    try {
      const [a, b] = await Promise.all([
        claimSyncRun(db.ds, { id, providerId }, "a"),
        claimSyncRun(other, { id, providerId }, "b"),
      ]);
      expect([a, b].filter(Boolean)).toHaveLength(1);
      const claimed = (a ?? b)!;
      // The holder of the lock is alive: nothing to reap.
      expect(await reapLostSyncRuns(db.ds, createLogger("silent"))).toBe(0);
      await executeSyncRun({ ds: db.ds, log: createLogger("silent"), config: netboxTestConfig() }, claimed);
    } finally {
      await other.destroy();
    }
    // A "running" row whose process is gone holds no lock.
    const [lost] = await db.ds.query(
      `INSERT INTO netbox_sync_run (provider_id, mode, trigger, state, started_at, initiator)
       VALUES ($1, 'incremental', 'schedule', 'running', now(), '{}') RETURNING id`,
      [providerId],
    );
    expect(await reapLostSyncRuns(db.ds, createLogger("silent"))).toBe(1);
    const [reaped] = await db.ds.query(`SELECT state, reason FROM netbox_sync_run WHERE id = $1`, [lost.id]);
    expect(reaped).toEqual({ state: "failed", reason: RUNNER_LOST });
    expect(nb.requests.length).toBeGreaterThan(0);
  });

  it("schedules a full sync first, then incremental ones, then a full one when the day is over", async () => {
    const provider = await f.provider();
    const nb = await startFakeNetbox({ tokens: [TOKEN] });
    fakes.push(nb);
    await connectFake(db.ds, provider.id, nb, TOKEN, { schedule: { enabled: true } });
    const queued = () =>
      db.ds.query(`SELECT mode FROM netbox_sync_run WHERE provider_id = $1 AND state = 'queued'`, [
        provider.id,
      ]);
    const finishAll = (ago: string) =>
      db.ds.query(
        `UPDATE netbox_sync_run SET state = 'succeeded', queued_at = now() - $2::interval WHERE provider_id = $1`,
        [provider.id, ago],
      );
    await enqueueDueSyncs(db.ds);
    expect(await queued()).toEqual([{ mode: "full" }]);
    await enqueueDueSyncs(db.ds);
    expect(await queued()).toHaveLength(1);
    await finishAll("1 minute");
    await enqueueDueSyncs(db.ds);
    expect(await queued()).toEqual([]);
    await finishAll("6 minutes");
    await enqueueDueSyncs(db.ds);
    expect(await queued()).toEqual([{ mode: "incremental" }]);
    await finishAll("25 hours");
    await enqueueDueSyncs(db.ds);
    expect(await queued()).toEqual([{ mode: "full" }]);
  });
});
