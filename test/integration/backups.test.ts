import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Ajv } from "ajv";
import type { RunningServer } from "../../src/server.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { as, gql, startTestServer } from "../support/server.js";

const REPORT = `mutation($v: [VolumeReportInput!]!) { reportBackupSnapshots(volumes: $v) { snapshots replicas applied } }`;
const PLAN = `query($v: ID!) { backupRetentionPlan(volumeId: $v) {
  policy { schedule source keep { last daily } } keep { rule snapshot { guid } } prune { guid } } }`;
const FRESHNESS = `query($p: ID!) { backupFreshness(providerId: $p) { serviceId domain status reason lastSnapshotAt } }`;
const AGENT = "user:backup-agent-1";
const VIEWER_B = "user:viewer-of-b";
const MEMBER_A = "user:member-of-a";

describe("backups", () => {
  let db: TestDatabase;
  let server: RunningServer;
  let provider: { id: string; gid: string };
  let a: { id: string; zone: string };
  let b: { id: string; zone: string };
  let web: { id: string; gid: string };
  let webDeployment: string;
  let other: { id: string; gid: string };
  let volume: string;
  let bucket: string;

  const ok = async (query: string, vars: Record<string, unknown>, who?: string) => {
    const res = await gql(server, query, vars, who ? as(who) : undefined);
    expect(res.errors).toBeUndefined();
    return res.data!;
  };
  const code = async (query: string, vars: Record<string, unknown>, who?: string) =>
    (await gql(server, query, vars, who ? as(who) : undefined)).errors?.[0]?.extensions?.code;
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

  beforeAll(async () => {
    db = await createTestDatabase();
    const f = factories(db.ds);
    const types = await f.catalog();
    provider = await f.provider();
    a = await f.operator(provider.id);
    b = await f.operator(provider.id);
    const dep = await f.deployment(a.id);
    webDeployment = dep.gid;
    web = await f.service(dep.id, types.mastodon!, `social.${a.zone}`);
    other = await f.service((await f.deployment(b.id)).id, types.mastodon!, `social.${b.zone}`);
    await db.ds.query(
      `INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', $1, 'backup-agent', $2), ('g', $3, 'operator-viewer', $4),
              ('g', $5, 'operator-member', $6)`,
      [AGENT, `provider:${provider.id}`, VIEWER_B, `operator:${b.id}`, MEMBER_A, `operator:${a.id}`],
    );
    server = await startTestServer(db.ds);
    await ok(`mutation($i: BackupDefaultInput!) { setBackupDefault(input: $i) { schedule } }`, {
      i: {
        providerId: provider.gid,
        serviceType: "mastodon",
        schedule: "0 * * * *",
        keep: { last: 2, daily: 7 },
        minimum: { daily: 7 },
      },
    });
    await ok(`mutation($i: BackupTargetInput!) { setBackupTarget(input: $i) { name } }`, {
      i: {
        providerId: provider.gid,
        name: "offsite",
        kind: "ZFS_PULL",
        endpoint: "backup1.example",
        location: "tank/recv",
        secretRef: "vault:zfs/offsite",
      },
    });
    const define = `mutation($i: BackupVolumeInput!) { defineBackupVolume(input: $i) { id kind } }`;
    volume = (
      await ok(define, { i: { serviceId: web.gid, kind: "BLOCK", name: "tank/a/social", host: "hv1" } })
    ).defineBackupVolume.id;
    bucket = (await ok(define, { i: { serviceId: web.gid, kind: "BLOB", name: "a-social-media" } }))
      .defineBackupVolume.id;
    await ok(define, { i: { serviceId: other.gid, kind: "BLOCK", name: "tank/b/social" } });
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it("takes a batch of snapshots from the agent, idempotently and out-of-order safe, with one event", async () => {
    const snaps = [0, 1, 2, 25, 49].map((h) => ({
      guid: `9${h}`,
      name: `autosnap_${h}`,
      takenAt: hoursAgo(h),
      sizeBytes: 1000 + h,
      heldAt: ["source", "offsite"],
    }));
    const batch = [
      {
        volumeId: volume,
        snapshots: snaps,
        replicas: [{ target: "offsite", state: "in-sync", syncedTo: hoursAgo(0) }],
      },
      { volumeId: bucket, snapshots: [{ guid: "b1", name: "garage-1", takenAt: hoursAgo(0), sizeBytes: 5 }] },
    ];
    const before = await db.ds.query(
      `SELECT count(*)::int AS n FROM accounting_event WHERE action = 'report'`,
    );
    expect((await ok(REPORT, { v: batch }, AGENT)).reportBackupSnapshots).toEqual({
      snapshots: 6,
      replicas: 1,
      applied: 7,
    });
    const after = await db.ds.query(
      `SELECT count(*)::int AS n FROM accounting_event WHERE action = 'report'`,
    );
    expect(after[0].n - before[0].n).toBe(1);
    // The same again: nothing new; an older observation of a destroyed snapshot changes nothing.
    await ok(REPORT, { v: batch }, AGENT);
    const stale = [
      { volumeId: volume, observedAt: hoursAgo(5), snapshots: [{ ...snaps[0], destroyedAt: hoursAgo(5) }] },
    ];
    expect((await ok(REPORT, { v: stale }, AGENT)).reportBackupSnapshots.applied).toBe(0);
    const rows = await db.ds.query(
      `SELECT count(*)::int AS n, count(destroyed_at)::int AS d FROM backup_snapshot`,
    );
    expect(rows[0]).toEqual({ n: 6, d: 0 });
  });

  it("plans retention by the policy's rules and never prunes the newest", async () => {
    const { backupRetentionPlan: plan } = await ok(PLAN, { v: volume }, AGENT);
    expect(plan.policy).toEqual({
      schedule: "0 * * * *",
      source: "PROVIDER_DEFAULT",
      keep: { last: 2, daily: 7 },
    });
    expect(plan.keep.map((k: any) => [k.snapshot.guid, k.rule])).toEqual(
      expect.arrayContaining([
        ["90", "last"],
        ["91", "last"],
      ]),
    );
    const kept = new Set(plan.keep.map((k: any) => k.snapshot.guid));
    expect(plan.prune.every((p: any) => !kept.has(p.guid))).toBe(true);
    expect(kept.size + plan.prune.length).toBe(5);
  });

  it("keeps operators' policies within the provider's minimums", async () => {
    const set = `mutation($s: ID!, $i: ServiceBackupPolicyInput!) { setBackupPolicy(serviceId: $s, input: $i) {
      backupPolicy { source keep { daily } } } }`;
    expect(await code(set, { s: web.gid, i: { schedule: "0 3 * * *", keep: { daily: 3 } } }, MEMBER_A)).toBe(
      "BAD_USER_INPUT",
    );
    const bad = await gql(
      server,
      set,
      { s: web.gid, i: { schedule: "every day", keep: { daily: 10 } } },
      as(MEMBER_A),
    );
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.schedule" });
    const res = await ok(set, { s: web.gid, i: { schedule: "0 3 * * *", keep: { daily: 10 } } }, MEMBER_A);
    expect(res.setBackupPolicy.backupPolicy).toEqual({ source: "SERVICE", keep: { daily: 10 } });
    await ok(`mutation($s: ID!) { resetBackupPolicy(serviceId: $s) { id } }`, { s: web.gid }, MEMBER_A);
  });

  it("renders the effective policy, volumes and targets into deploymentConfig (schemaVersion 2)", async () => {
    const CONFIG = `query($d: ID!) { deploymentConfig(deploymentId: $d) }`;
    const config = (await ok(CONFIG, { d: webDeployment })).deploymentConfig;
    const validate = new Ajv({ strict: false }).compile(
      JSON.parse(readFileSync("schema/deployment-config.schema.json", "utf8")) as object,
    );
    expect(validate(config) ? [] : validate.errors).toEqual([]);
    expect(config.schemaVersion).toBe(2);
    const keep = { last: 2, hourly: 0, daily: 7, weekly: 0, monthly: 0, yearly: 0 };
    expect(config.services[0].backup).toEqual({
      policy: { schedule: "0 * * * *", keep },
      volumes: [
        { kind: "blob", name: "a-social-media", host: null, targets: [] },
        {
          kind: "block",
          name: "tank/a/social",
          host: "hv1",
          targets: [
            {
              name: "offsite",
              kind: "zfs-pull",
              endpoint: "backup1.example",
              location: "tank/recv",
              secretRef: "vault:zfs/offsite",
              host: null,
            },
          ],
        },
      ],
    });
    // The operator's own policy replaces the default in the document, and bumps the generation.
    const set = `mutation($s: ID!, $i: ServiceBackupPolicyInput!) { setBackupPolicy(serviceId: $s, input: $i) {
      deployment { stagedGeneration } } }`;
    const own = { schedule: "30 2 * * *", keep: { daily: 9, weekly: 4 } };
    const gen = (await ok(set, { s: web.gid, i: own }, MEMBER_A)).setBackupPolicy.deployment.stagedGeneration;
    const after = (await ok(CONFIG, { d: webDeployment })).deploymentConfig;
    expect(after.deployment.generation).toBe(gen);
    expect(after.services[0].backup.policy).toEqual({
      schedule: "30 2 * * *",
      keep: { ...keep, last: 0, daily: 9, weekly: 4 },
    });
    await ok(`mutation($s: ID!) { resetBackupPolicy(serviceId: $s) { id } }`, { s: web.gid }, MEMBER_A);
  });

  it("flags the stale and the unprotected first, and shows another operator none of it", async () => {
    const lagging = [{ target: "offsite", state: "lagging", syncedTo: hoursAgo(10) }];
    await ok(REPORT, { v: [{ volumeId: volume, replicas: lagging }] }, AGENT);
    const all = (await ok(FRESHNESS, { p: provider.gid })).backupFreshness;
    expect(all.map((f: any) => [f.domain, f.status])).toEqual([
      [`social.${b.zone}`, "UNPROTECTED"],
      [`social.${a.zone}`, "STALE"],
    ]);
    expect(all[1].reason).toBe("the copy at offsite is behind its schedule");
    const seenByB = (await ok(FRESHNESS, { p: provider.gid }, VIEWER_B)).backupFreshness;
    expect(seenByB.map((f: any) => f.domain)).toEqual([`social.${b.zone}`]);
    expect(await code(PLAN, { v: volume }, VIEWER_B)).toBe("NOT_FOUND");
    expect(await code(REPORT, { v: [{ volumeId: volume, snapshots: [] }] }, MEMBER_A)).toBe("FORBIDDEN");
  });

  it("keeps each volume's newest live snapshot through reports, a destroyed newest included", async () => {
    const VOLUME = `query($v: ID!) { node(id: $v) { ... on BackupVolume {
      lastSnapshotAt snapshots(first: 5) { guid takenAt } } } }`;
    const older = hoursAgo(3);
    const b2 = { guid: "b2", name: "garage-2", takenAt: older, sizeBytes: 5 };
    await ok(REPORT, { v: [{ volumeId: bucket, snapshots: [b2] }] }, AGENT);
    const before = (await ok(VOLUME, { v: bucket })).node;
    const b1 = before.snapshots.find((s: { guid: string }) => s.guid === "b1");
    expect(before.lastSnapshotAt).toBe(b1.takenAt);
    const destroyed = { ...b1, name: "garage-1", sizeBytes: 5, destroyedAt: hoursAgo(0) };
    await ok(REPORT, { v: [{ volumeId: bucket, snapshots: [destroyed] }] }, AGENT);
    expect((await ok(VOLUME, { v: bucket })).node.lastSnapshotAt).toBe(older);
  });
});
