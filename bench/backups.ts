import "reflect-metadata";
import type { DataSource } from "typeorm";
import { BackupService } from "../src/backups/backup.service.js";
import { systemCaller } from "../src/common/caller.js";
import { toGlobalId } from "../src/common/global-id.js";
import type { Principal } from "../src/common/principal.js";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { startServer } from "../src/server.js";
import { installReferenceCatalog } from "../src/catalog/reference-sync.js";
import { createBenchDatabase } from "./support/database.js";
import { COUNTED_NOT_LIMITED } from "./support/limits.js";
import { progress } from "./support/progress.js";

/**
 * Backups at a provider's scale, through the real server (the agent's principal given by the server
 * seam, authorization on):
 *  - report: 10,000 volumes x 100 snapshots (BENCH_VOLUMES, BENCH_SNAPSHOTS) sent by the backup agent
 *    as reportBackupSnapshots requests of 50 volumes (5,000 records), 4 at a time: records per second;
 *  - freshness: backupFreshness of the provider (every service, one block volume each), median of 5;
 *  - retention: the plan of one volume holding 10,000 snapshots (BackupService.retentionPlan: its SQL and
 *    the rules), median of 5; and over HTTP, for comparison.
 */
const VOLUMES = Number(process.env.BENCH_VOLUMES ?? 10_000);
const SNAPSHOTS = Number(process.env.BENCH_SNAPSHOTS ?? 100);
const PER_REQUEST = 50;
const PARALLEL = 4;
const TARGETS = { recordsPerSec: 5000, freshnessMs: 200, retentionPlanMs: 50 };
const HOUR = 3_600_000;

const principal = (id: string): Principal => ({
  kind: "user",
  id,
  name: id,
  clientId: "bench",
  scopes: ["api"],
});

async function seed(ds: DataSource): Promise<{ providerId: string; volumes: string[] }> {
  const [p] = await ds.query(
    `INSERT INTO provider (slug, name, contact_email) VALUES ('bench', 'Bench', 'ops@bench.example') RETURNING id`,
  );
  const providerId = p.id as string;
  await ds.transaction((tx) => installReferenceCatalog(tx, systemCaller({ actor: "bench" }), providerId));
  // 100 operators, each with deployments of one service of every type, until there are VOLUMES services.
  await ds.query(
    `INSERT INTO operator (provider_id, slug, name, contact_email, dns_zone)
     SELECT $1, 'op' || i, 'Op ' || i, 'op' || i || '@bench.example', 'op' || i || '.bench.example'
       FROM generate_series(1, 100) i`,
    [providerId],
  );
  const [{ n: types }] = await ds.query(`SELECT count(*)::int AS n FROM service_type`);
  const perOperator = Math.ceil(VOLUMES / 100 / types);
  await ds.query(
    `INSERT INTO deployment (operator_id, name) SELECT o.id, 'd' || i FROM operator o, generate_series(1, $1) i`,
    [perOperator],
  );
  await ds.query(
    `INSERT INTO service (deployment_id, service_type_id, domain)
     SELECT d.id, t.id, t.slug || '.' || d.name || '.' || o.dns_zone
       FROM deployment d JOIN operator o ON o.id = d.operator_id CROSS JOIN service_type t
      ORDER BY o.slug, d.name, t.slug LIMIT $1`,
    [VOLUMES],
  );
  const volumes = await ds.query(
    `INSERT INTO backup_volume (service_id, operator_id, kind, name)
     SELECT s.id, d.operator_id, 'block', 'tank/' || s.domain FROM service s JOIN deployment d ON d.id = s.deployment_id
     RETURNING id`,
  );
  await ds.query(
    `INSERT INTO backup_default (provider_id, service_type_id, schedule, keep_last, keep_hourly, keep_daily, keep_weekly)
     SELECT $1, id, '0 * * * *', 5, 24, 30, 8 FROM service_type`,
    [providerId],
  );
  await ds.query(
    `INSERT INTO backup_target (provider_id, name, kind, endpoint, location) VALUES ($1, 'offsite', 'zfs-pull', 'b1', 'tank/recv')`,
    [providerId],
  );
  await ds.query(
    `INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', 'user:bench-agent', 'backup-agent', $1),
            ('g', 'user:bench-staff', 'provider-viewer', $1)`,
    [`provider:${providerId}`],
  );
  return { providerId, volumes: volumes.map((v: { id: string }) => v.id) };
}

async function post(
  url: string,
  query: string,
  variables: object,
): Promise<{ data?: Record<string, unknown[]>; errors?: unknown[] }> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: Record<string, unknown[]>; errors?: unknown[] };
  if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors).slice(0, 500)}`);
  return body;
}

const median = async (n: number, f: () => Promise<unknown>) => {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(n / 2)]!;
};

const REPORT = `mutation($v: [VolumeReportInput!]!) { reportBackupSnapshots(volumes: $v) { applied } }`;

export async function run(): Promise<Record<string, unknown>> {
  const db = await createBenchDatabase({ poolSize: 10 });
  try {
    const { providerId, volumes } = await seed(db.ds);
    progress(`seeded ${volumes.length} volumes`);
    const config = loadConfig({
      ...COUNTED_NOT_LIMITED,
      PORT: "0",
      LOG_LEVEL: "silent",
      DATABASE_URL: db.url,
    });
    const log = createLogger("silent");
    const agent = await startServer(config, db.ds, log, { principalOf: () => principal("bench-agent") });
    const staff = await startServer(config, db.ds, log, { principalOf: () => principal("bench-staff") });
    try {
      const start = Date.now() - SNAPSHOTS * HOUR;
      const batches: object[][] = [];
      for (let i = 0; i < volumes.length; i += PER_REQUEST) {
        batches.push(
          volumes.slice(i, i + PER_REQUEST).map((id) => ({
            volumeId: toGlobalId("BackupVolume", id),
            snapshots: Array.from({ length: SNAPSHOTS }, (_, k) => ({
              guid: String(1e15 + k),
              name: `autosnap_${k}_hourly`,
              takenAt: new Date(start + k * HOUR).toISOString(),
              sizeBytes: 4096 * k,
            })),
            replicas: [
              {
                target: "offsite",
                state: "in-sync",
                syncedTo: new Date(start + (SNAPSHOTS - 1) * HOUR).toISOString(),
              },
            ],
          })),
        );
      }
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: PARALLEL }, async () => {
          while (next < batches.length) await post(agent.url, REPORT, { v: batches[next++] });
        }),
      );
      const reportSeconds = (performance.now() - t0) / 1000;
      const records = volumes.length * SNAPSHOTS;
      const recordsPerSec = Math.round(records / reportSeconds);
      progress(`reported ${records} snapshots in ${reportSeconds.toFixed(1)} s`);
      await db.ds.query("ANALYZE");

      const FRESHNESS = `query($p: ID!) { backupFreshness(providerId: $p) { serviceId status lastSnapshotAt } }`;
      let services = 0;
      const freshnessMs = await median(5, async () => {
        const { data } = await post(staff.url, FRESHNESS, { p: toGlobalId("Provider", providerId) });
        services = data?.backupFreshness?.length ?? 0;
      });

      // One volume with 10,000 hourly snapshots.
      const big = volumes[0]!;
      await db.ds.query(
        `INSERT INTO backup_snapshot (volume_id, guid, name, taken_at, size_bytes, observed_at)
         SELECT $1, 'big' || k, 'snap' || k, now() - k * interval '1 hour', 1, now() FROM generate_series(1, 10000) k`,
        [big],
      );
      // As autovacuum leaves a volume's year of snapshots: visible to index-only scans, with statistics.
      await db.ds.query("VACUUM ANALYZE backup_snapshot");
      const backups = new BackupService(db.ds);
      const caller = systemCaller();
      let kept = 0;
      const retentionPlanMs = await median(5, async () => {
        kept = (await backups.retentionPlan(caller, toGlobalId("BackupVolume", big))).keep.length;
      });
      const PLAN = `query($v: ID!) { backupRetentionPlan(volumeId: $v) { keep { rule snapshot { guid } } prune { guid } } }`;
      const retentionPlanHttpMs = await median(5, () =>
        post(staff.url, PLAN, { v: toGlobalId("BackupVolume", big) }),
      );
      return {
        volumes: volumes.length,
        snapshotsPerVolume: SNAPSHOTS,
        records,
        recordsPerRequest: PER_REQUEST * SNAPSHOTS,
        recordsPerSec,
        services,
        freshnessMs: Math.round(freshnessMs * 10) / 10,
        retentionSnapshots: 10_000 + SNAPSHOTS,
        retentionKept: kept,
        retentionPlanMs: Math.round(retentionPlanMs * 10) / 10,
        retentionPlanHttpMs: Math.round(retentionPlanHttpMs * 10) / 10,
        targets: TARGETS,
        meetsRecordsPerSec: recordsPerSec >= TARGETS.recordsPerSec,
        meetsFreshnessMs: freshnessMs < TARGETS.freshnessMs,
        meetsRetentionPlanMs: retentionPlanMs < TARGETS.retentionPlanMs,
      };
    } finally {
      await Promise.all([agent.stop(), staff.stop()]);
    }
  } finally {
    await db.drop();
  }
}
