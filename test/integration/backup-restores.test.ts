import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { syncBackupUsage } from "../../src/accounting/usage.js";
import { fromGlobalId, toGlobalId } from "../../src/common/global-id.js";
import { createLogger } from "../../src/logger.js";
import { type RunWorker, startRunWorker } from "../../src/runs/run-worker.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { pollUntil } from "../support/poll.js";
import { FAKE_NIXOPS4 } from "../support/runs.js";
import { type TestServer, as, gql, startTestServer } from "../support/server.js";
import { useTempDir } from "../support/temp-dir.js";

const GIB = 1024 ** 3;
const REQUEST = `mutation($i: RequestRestoreInput!) { requestRestore(input: $i) {
  id state snapshotGuid snapshotName volumeName pointInTime run { id action state } } }`;
const APPROVE = `mutation($id: ID!) { approveRestore(id: $id) { id state decidedBy run { id action state } } }`;
const REJECT = `mutation($id: ID!, $r: String) { rejectRestore(id: $id, reason: $r) { id state decisionReason } }`;
const RESTORE = `query($id: ID!) { backupRestore(id: $id) { id state run { id action state
  log { text } config } } }`;
const LIST = `query($f: BackupRestoreFilter) { backupRestores(first: 50, filter: $f) { totalCount nodes { id } } }`;

// Restores as the operator's admin asks for them and the provider's admin decides, run through the real
// server and a run worker over the fake nixops4; another operator's admin sees none of it.
describe("backup restores", () => {
  let db: TestDatabase;
  let server: TestServer;
  let f: ReturnType<typeof factories>;
  let types: Record<string, string>;
  let provider: { id: string; gid: string };
  let alpha: { id: string; gid: string; zone: string };
  let beta: { id: string; gid: string; zone: string };
  const tmp = useTempDir("fedi-restores-");
  const record = () => path.join(tmp.path, "record.jsonl");
  const workers: RunWorker[] = [];
  let keys = 0;
  const key = () => `restore-${++keys}`;
  const ALPHA_ADMIN = as("user:alpha-admin");
  const BETA_ADMIN = as("user:beta-admin");
  const STAFF = as("user:staff");

  beforeAll(async () => {
    db = await createTestDatabase();
    f = factories(db.ds);
    types = await f.catalog();
    provider = await f.provider();
    alpha = await f.operator(provider.id);
    beta = await f.operator(provider.id);
    const grant = (subject: string, role: string, domain: string) =>
      db.ds.query(`INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', $1, $2, $3)`, [
        subject,
        role,
        domain,
      ]);
    await grant("user:alpha-admin", "operator-admin", `operator:${alpha.id}`);
    await grant("user:beta-admin", "operator-admin", `operator:${beta.id}`);
    await grant("user:staff", "provider-admin", `provider:${provider.id}`);
    server = await startTestServer(db.ds);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  function worker(env: Record<string, string> = {}) {
    const w = startRunWorker(db.ds, createLogger("silent"), {
      nixops4Bin: FAKE_NIXOPS4,
      deploymentsDir: tmp.path,
      concurrency: 2,
      pollMs: 50,
      heartbeatMs: 200,
      timeoutMs: 20_000,
      killGraceMs: 300,
      env: { FAKE_NIXOPS4_RECORD: record(), ...env },
    });
    workers.push(w);
    return w;
  }

  /** A deployment of the operator with one service, one block volume and snapshots as the agent reports them. */
  async function protectedService(op: { id: string; zone: string }, snapshots: [string, string, number][]) {
    const d = await f.deployment(op.id);
    const s = await f.service(d.id, types.mastodon!, `social-${d.name}.${op.zone}`);
    const [v] = await db.ds.query(
      `INSERT INTO backup_volume (service_id, operator_id, kind, name, host) VALUES ($1, $2, 'block', $3, 'host1') RETURNING id`,
      [s.id, op.id, `tank/${d.name}`],
    );
    await report(v.id, snapshots);
    return { d, s, volumeId: v.id as string, volumeGid: toGlobalId("BackupVolume", v.id) };
  }

  /** Stores snapshots (guid, taken at, GiB) held at the source and one target, as a report would. */
  async function report(volumeId: string, snapshots: [string, string, number][], destroyed: string[] = []) {
    await db.ds.transaction(async (tx) => {
      for (const [guid, takenAt, gib] of snapshots)
        await tx.query(
          `INSERT INTO backup_snapshot (volume_id, guid, name, taken_at, size_bytes, held_at, observed_at)
           VALUES ($1, $2, $3, $4, $5, '{source,offsite}', now())`,
          [volumeId, guid, `autosnap_${takenAt}`, takenAt, gib * GIB],
        );
      if (destroyed.length)
        await tx.query(
          `UPDATE backup_snapshot SET destroyed_at = now() WHERE volume_id = $1 AND guid = ANY($2)`,
          [volumeId, destroyed],
        );
      await syncBackupUsage(tx, [volumeId]);
    });
  }

  const events = async (targetId: string) =>
    (
      await db.ds.query(
        `SELECT target_kind || '.' || action || ':' || outcome AS e FROM accounting_event
          WHERE target_id = $1 ORDER BY occurred_at, id`,
        [targetId],
      )
    ).map((r: { e: string }) => r.e);

  it("is requested, approved by the provider, run as a restore through nixops4 and accounted; the other operator sees none of it", async () => {
    const p = await protectedService(alpha, [
      ["g1", "2026-01-01T03:00:00Z", 1],
      ["g2", "2026-01-02T03:00:00Z", 1],
    ]);
    const asked = await gql(
      server,
      REQUEST,
      { i: { serviceId: p.s.gid, snapshotGuid: "g1", note: "bad migration", idempotencyKey: key() } },
      ALPHA_ADMIN,
    );
    expect(asked.errors).toBeUndefined();
    const restore = asked.data!.requestRestore;
    expect(restore).toMatchObject({
      state: "REQUESTED",
      snapshotGuid: "g1",
      volumeName: `tank/${p.d.name}`,
      run: null,
    });

    // Not the operator's decision; another operator's admin sees nothing of it.
    expect((await gql(server, APPROVE, { id: restore.id }, ALPHA_ADMIN)).errors?.[0]?.extensions?.code).toBe(
      "FORBIDDEN",
    );
    expect((await gql(server, RESTORE, { id: restore.id }, BETA_ADMIN)).data!.backupRestore).toBeNull();
    expect((await gql(server, LIST, {}, BETA_ADMIN)).data!.backupRestores.totalCount).toBe(0);
    expect((await gql(server, APPROVE, { id: restore.id }, BETA_ADMIN)).errors?.[0]?.extensions?.code).toBe(
      "FORBIDDEN",
    );
    const foreign = await gql(
      server,
      REQUEST,
      { i: { serviceId: p.s.gid, snapshotGuid: "g1", idempotencyKey: key() } },
      BETA_ADMIN,
    );
    expect(foreign.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");

    const approved = await gql(server, APPROVE, { id: restore.id }, STAFF);
    expect(approved.errors).toBeUndefined();
    expect(approved.data!.approveRestore).toMatchObject({
      state: "APPROVED",
      run: { action: "RESTORE", state: "QUEUED" },
    });
    const runGid = approved.data!.approveRestore.run.id as string;

    worker();
    const done = await pollUntil(
      async () => (await gql(server, RESTORE, { id: restore.id }, ALPHA_ADMIN)).data!.backupRestore,
      (r) => r.run.state === "SUCCEEDED",
      { what: "the restore run to succeed" },
    );
    expect(done.run.config.restore).toMatchObject({
      restoreId: restore.id,
      service: p.s.gid,
      volume: { id: p.volumeGid, kind: "block", name: `tank/${p.d.name}` },
      snapshot: { guid: "g1", name: "autosnap_2026-01-01T03:00:00Z", takenAt: "2026-01-01T03:00:00.000Z" },
    });
    expect(done.run.log.text).toContain(
      `restoring block:tank/${p.d.name} of ${p.s.gid} to autosnap_2026-01-01T03:00:00Z (g1`,
    );
    // The restore target is not configuration: what is deployed is the staged configuration alone.
    const [deployed] = await db.ds.query(`SELECT deployed_config AS c FROM deployment WHERE id = $1`, [
      p.d.id,
    ]);
    expect(deployed.c.restore).toBeUndefined();
    expect(deployed.c.services[0].id).toBe(p.s.gid);
    // The fake nixops4 was handed the target.
    const starts = (await readFile(record(), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .filter((l) => l.event === "start" && l.restore?.restoreId === restore.id);
    expect(starts).toHaveLength(1);
    expect(starts[0].restore.snapshot.guid).toBe("g1");

    const restoreUuid = fromGlobalId(restore.id)!.id;
    expect(await events(restoreUuid)).toEqual([
      "backup-restore.create:success",
      "backup-restore.approve:success",
    ]);
    const runUuid = (await db.ds.query(`SELECT run_id FROM backup_restore WHERE id = $1`, [restoreUuid]))[0]
      .run_id;
    expect(toGlobalId("Run", runUuid)).toBe(runGid);
    expect(await events(runUuid)).toEqual(["run.restore:pending", "run.restore:success"]);
    // In the operator's chain, and seen by its admin only.
    expect(
      (await gql(server, LIST, { f: { serviceId: p.s.gid } }, ALPHA_ADMIN)).data!.backupRestores.totalCount,
    ).toBe(1);
    expect(
      (await gql(server, LIST, { f: { deploymentId: p.d.gid } }, BETA_ADMIN)).data!.backupRestores.totalCount,
    ).toBe(0);
  });

  it("answers the same restore for the same idempotency key and refuses the key for another request", async () => {
    const p = await protectedService(alpha, [
      ["k1", "2026-01-01T03:00:00Z", 1],
      ["k2", "2026-01-02T03:00:00Z", 1],
    ]);
    const k = key();
    const ask = (i: Record<string, unknown>) =>
      gql(server, REQUEST, { i: { serviceId: p.s.gid, idempotencyKey: k, ...i } }, ALPHA_ADMIN);
    const [a, b] = await Promise.all([ask({ snapshotGuid: "k1" }), ask({ snapshotGuid: "k1" })]);
    expect(a.errors).toBeUndefined();
    expect(b.data!.requestRestore.id).toBe(a.data!.requestRestore.id);
    const other = await ask({ snapshotGuid: "k2" });
    expect(other.errors?.[0]?.extensions?.code).toBe("IDEMPOTENCY_CONFLICT");
    expect(
      (await db.ds.query(`SELECT count(*)::int AS n FROM backup_restore WHERE service_id = $1`, [p.s.id]))[0]
        .n,
    ).toBe(1);
  });

  it("picks the newest existing snapshot taken at or before a point in time, and refuses bad input with nothing written", async () => {
    const p = await protectedService(alpha, [
      ["t1", "2026-01-01T03:00:00Z", 1],
      ["t2", "2026-01-02T03:00:00Z", 1],
      ["t3", "2026-01-03T03:00:00Z", 1],
    ]);
    await report(p.volumeId, [], ["t2"]);
    const byTime = await gql(
      server,
      REQUEST,
      { i: { serviceId: p.s.gid, at: "2026-01-02T12:00:00Z", idempotencyKey: key() } },
      ALPHA_ADMIN,
    );
    expect(byTime.errors).toBeUndefined();
    expect(byTime.data!.requestRestore).toMatchObject({
      snapshotGuid: "t1",
      pointInTime: "2026-01-02T12:00:00.000Z",
    });
    const bad = [
      { snapshotGuid: "t1", at: "2026-01-02T12:00:00Z" },
      {},
      { snapshotGuid: "t2" },
      { at: "2025-01-01T00:00:00Z" },
      { at: "2999-01-01T00:00:00Z" },
    ];
    for (const i of bad) {
      const res = await gql(
        server,
        REQUEST,
        { i: { serviceId: p.s.gid, idempotencyKey: key(), ...i } },
        ALPHA_ADMIN,
      );
      expect([i, res.errors?.[0]?.extensions?.code]).toEqual([i, "BAD_USER_INPUT"]);
    }
    expect(
      (await db.ds.query(`SELECT count(*)::int AS n FROM backup_restore WHERE service_id = $1`, [p.s.id]))[0]
        .n,
    ).toBe(1);
  });

  it("is rejected for good, and approved at once where the provider needs no approval", async () => {
    const p = await protectedService(alpha, [["r1", "2026-01-01T03:00:00Z", 1]]);
    const asked = await gql(
      server,
      REQUEST,
      { i: { serviceId: p.s.gid, snapshotGuid: "r1", idempotencyKey: key() } },
      ALPHA_ADMIN,
    );
    const id = asked.data!.requestRestore.id;
    const rejected = await gql(server, REJECT, { id, r: "not during the migration" }, STAFF);
    expect(rejected.data!.rejectRestore).toMatchObject({
      state: "REJECTED",
      decisionReason: "not during the migration",
    });
    expect((await gql(server, APPROVE, { id }, STAFF)).errors?.[0]?.extensions?.code).toBe("CONFLICT");

    const off = await gql(
      server,
      `mutation($p: ID!) { setBackupRestoreApproval(providerId: $p, required: false) }`,
      { p: provider.gid },
      STAFF,
    );
    expect(off.errors).toBeUndefined();
    try {
      const auto = await gql(
        server,
        REQUEST,
        { i: { serviceId: p.s.gid, snapshotGuid: "r1", idempotencyKey: key() } },
        ALPHA_ADMIN,
      );
      expect(auto.data!.requestRestore).toMatchObject({
        state: "APPROVED",
        run: { action: "RESTORE", state: "QUEUED" },
      });
    } finally {
      await gql(
        server,
        `mutation($p: ID!) { setBackupRestoreApproval(providerId: $p, required: true) }`,
        { p: provider.gid },
        STAFF,
      );
      await db.ds.query(`UPDATE run SET state = 'canceled', finished_at = now() WHERE state = 'queued'`);
    }
    expect(await events(provider.id)).toEqual([
      "backup-restore-setting.update:success",
      "backup-restore-setting.update:success",
    ]);
  });

  it("keeps one active run per deployment with applies and restores mixed, in queue order", async () => {
    const p = await protectedService(alpha, [["m1", "2026-01-01T03:00:00Z", 1]]);
    const apply = (k: string) =>
      gql(
        server,
        `mutation($d: ID!, $k: String!) { applyDeployment(deploymentId: $d, idempotencyKey: $k) { id } }`,
        { d: p.d.gid, k },
      );
    const queued: string[] = [];
    for (let i = 0; i < 3; i++) {
      queued.push((await apply(key())).data!.applyDeployment.id);
      const r = await gql(
        server,
        REQUEST,
        { i: { serviceId: p.s.gid, snapshotGuid: "m1", idempotencyKey: key() } },
        STAFF,
      );
      expect(r.data!.requestRestore.state).toBe("APPROVED");
      queued.push(r.data!.requestRestore.run.id);
    }
    worker({ FAKE_NIXOPS4_DELAY_MS: "30" });
    worker({ FAKE_NIXOPS4_DELAY_MS: "30" });
    await pollUntil(
      () =>
        db.ds.query(`SELECT count(*)::int AS n FROM run WHERE deployment_id = $1 AND state = 'succeeded'`, [
          p.d.id,
        ]),
      (rows) => rows[0].n === 6,
      { what: "six runs to succeed" },
    );
    const lines = (await readFile(record(), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .filter((l) => l.deployment === p.d.gid);
    // Start, end, start, end, … : never two at once, and in the order they were queued.
    expect(lines.map((l) => l.event)).toEqual(Array.from({ length: 6 }, () => ["start", "end"]).flat());
    const order = lines.filter((l) => l.event === "start").map((l) => (l.restore ? "restore" : "apply"));
    expect(order).toEqual(["apply", "restore", "apply", "restore", "apply", "restore"]);
    const runDirs = lines
      .filter((l) => l.event === "start")
      .map((l) => toGlobalId("Run", path.basename(l.cwd)));
    expect(runDirs).toEqual(queued);
  });

  it("bills what the backup agent reports: its report opens the volume's backup usage, in its operator's report alone", async () => {
    await db.ds.query(`INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', $1, 'backup-agent', $2)`, [
      "user:agent",
      `provider:${provider.id}`,
    ]);
    const d = await f.deployment(alpha.id);
    const s = await f.service(d.id, types.mastodon!, `agent-${d.name}.${alpha.zone}`);
    const [v] = await db.ds.query(
      `INSERT INTO backup_volume (service_id, operator_id, kind, name, host) VALUES ($1, $2, 'block', $3, 'host1') RETURNING id`,
      [s.id, alpha.id, `tank/agent-${d.name}`],
    );
    const from = new Date(Date.now() - 60_000).toISOString();
    const snapshot = (guid: string, takenAt: string) => ({
      guid,
      name: `autosnap_${takenAt}`,
      takenAt,
      sizeBytes: 400 * GIB,
      heldAt: ["source", "offsite"],
    });
    const reported = await gql(
      server,
      `mutation($v: [VolumeReportInput!]!) { reportBackupSnapshots(volumes: $v) { applied } }`,
      {
        v: [
          {
            volumeId: toGlobalId("BackupVolume", v.id),
            snapshots: [snapshot("a1", "2026-01-01T03:00:00Z"), snapshot("a2", "2026-01-02T03:00:00Z")],
            replicas: [],
          },
        ],
      },
      as("user:agent"),
    );
    expect(reported.errors).toBeUndefined();
    expect(reported.data!.reportBackupSnapshots.applied).toBe(2);
    const usage = await db.ds.query(
      `SELECT snapshot_bytes AS s, replica_bytes AS r FROM usage_backup WHERE volume_id = $1 AND valid_to IS NULL`,
      [v.id],
    );
    expect(usage).toEqual([{ s: String(800 * GIB), r: String(800 * GIB) }]);
    await new Promise((r) => setTimeout(r, 100));
    const q = `query($o: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { usageReport(operator: $o, from: $from, to: $to) {
      backupSnapshotGibHours backupReplicaGibHours } }`;
    const to = new Date(Date.now() + 60_000).toISOString();
    const mine = await gql(server, q, { o: alpha.gid, from, to }, ALPHA_ADMIN);
    expect(mine.errors).toBeUndefined();
    expect(mine.data!.usageReport.backupSnapshotGibHours).toBeGreaterThan(0);
    expect(mine.data!.usageReport.backupReplicaGibHours).toBeGreaterThan(0);
    const theirs = await gql(server, q, { o: beta.gid, from, to }, BETA_ADMIN);
    expect(theirs.data!.usageReport).toEqual({ backupSnapshotGibHours: 0, backupReplicaGibHours: 0 });
  });

  it("bills backup storage as snapshot and replica GiB-hours in the usage report", async () => {
    const p = await protectedService(beta, [["b1", "2026-01-01T03:00:00Z", 2]]);
    const [open] = await db.ds.query(
      `SELECT snapshot_bytes, replica_bytes FROM usage_backup WHERE volume_id = $1`,
      [p.volumeId],
    );
    expect(open).toEqual({ snapshot_bytes: String(2 * GIB), replica_bytes: String(2 * GIB) });
    // A second snapshot closes the interval and opens the next, adjacent.
    await report(p.volumeId, [["b2", "2026-01-02T03:00:00Z", 1]]);
    const rows = await db.ds.query(
      `SELECT snapshot_bytes AS s, valid_from AS "from", valid_to AS "to" FROM usage_backup WHERE volume_id = $1 ORDER BY valid_from`,
      [p.volumeId],
    );
    expect(rows.map((r: { s: string }) => Number(r.s) / GIB)).toEqual([2, 3]);
    expect(rows[0].to).toEqual(rows[1].from);
    expect(rows[1].to).toBeNull();
    // Known times: 2 GiB for 10 hours, then 3 GiB open; a day's report.
    await db.ds.query(
      `UPDATE usage_backup SET valid_from = '2026-01-01T00:00:00Z', valid_to = '2026-01-01T10:00:00Z' WHERE volume_id = $1 AND valid_to IS NOT NULL`,
      [p.volumeId],
    );
    await db.ds.query(
      `UPDATE usage_backup SET valid_from = '2026-01-01T10:00:00Z' WHERE volume_id = $1 AND valid_to IS NULL`,
      [p.volumeId],
    );
    const q = `query($o: ID!) { usageReport(operator: $o, from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z") {
      backupSnapshotGibHours backupReplicaGibHours services { serviceType backupSnapshotGibHours backupReplicaGibHours } } }`;
    const res = await gql(server, q, { o: beta.gid }, BETA_ADMIN);
    expect(res.errors).toBeUndefined();
    const want = 2 * 10 + 3 * 14;
    expect(res.data!.usageReport).toMatchObject({
      backupSnapshotGibHours: want,
      backupReplicaGibHours: want,
    });
    expect(res.data!.usageReport.services).toContainEqual(
      expect.objectContaining({
        serviceType: "mastodon",
        backupSnapshotGibHours: want,
        backupReplicaGibHours: want,
      }),
    );
    // Another operator's report carries none of it.
    const alphaReport = await gql(server, q, { o: alpha.gid }, ALPHA_ADMIN);
    expect(alphaReport.data!.usageReport.backupSnapshotGibHours).toBe(0);
  });
});
