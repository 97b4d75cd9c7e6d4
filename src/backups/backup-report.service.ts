import type { DataSource } from "typeorm";
import { recordEvent } from "../accounting/record-event.js";
import { syncBackupUsage } from "../accounting/usage.js";
import { authorize } from "../authz/denied.js";
import { Permission } from "../authz/permissions.js";
import type { Caller } from "../common/caller.js";
import { badInput, notFound } from "../common/errors.js";
import { expectGlobalId } from "../common/global-id.js";
import { dbOf } from "../db/db.js";
import { sql } from "../db/named-sql.js";
import { inTransaction } from "../db/transaction.js";
import type { VolumeReportInput } from "./backup.inputs.js";
import { REPLICA_STATES } from "./backup-replica.entity.js";

/** Records per request: thousands, within the 1 MB body limit. */
export const MAX_REPORT_RECORDS = 10_000;
// Agent clocks may run a little ahead of ours; an observation from further ahead is a mistake.
const MAX_CLOCK_SKEW_MS = 5 * 60_000;
const GUID = /^[A-Za-z0-9_.:-]{1,100}$/;
const TARGET_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

// Locked (in id order, so that reports never deadlock): a concurrent report of the same volume waits, and
// LAST_SNAPSHOT then sees what the other committed.
const VOLUMES = sql(
  "backups.report.volumes",
  `SELECT v.id, v.operator_id AS "operatorId", o.provider_id AS "providerId", v.kind
     FROM backup_volume v JOIN operator o ON o.id = v.operator_id WHERE v.id = ANY($1::uuid[])
    ORDER BY v.id FOR UPDATE OF v`,
);
// The newest live snapshot of each volume reported on, after the report's changes (a destroyed newest too).
const LAST_SNAPSHOT = sql(
  "backups.report.lastSnapshot",
  `UPDATE backup_volume v SET last_snapshot_at = (SELECT max(s.taken_at) FROM backup_snapshot s
                                                   WHERE s.volume_id = v.id AND s.destroyed_at IS NULL)
    WHERE v.id = ANY($1::uuid[])`,
);
const TARGETS = sql(
  "backups.report.targets",
  `SELECT id, provider_id AS "providerId", name, kind FROM backup_target WHERE provider_id = ANY($1::uuid[])`,
);
// One statement per batch; an observation older than the stored one changes nothing (out-of-order safe).
const UPSERT_SNAPSHOTS = sql(
  "backups.report.upsertSnapshots",
  `WITH applied AS (
   INSERT INTO backup_snapshot (volume_id, guid, name, taken_at, size_bytes, held_at, destroyed_at, observed_at)
   SELECT r.v, r.g, r.n, r.t, r.s, r.h, r.d, r.o
     FROM jsonb_to_recordset($1::jsonb) AS r(v uuid, g text, n text, t timestamptz, s bigint, h text[],
          d timestamptz, o timestamptz)
   ON CONFLICT (volume_id, guid) DO UPDATE SET
     name = EXCLUDED.name, taken_at = EXCLUDED.taken_at, size_bytes = EXCLUDED.size_bytes,
     held_at = EXCLUDED.held_at, destroyed_at = EXCLUDED.destroyed_at, observed_at = EXCLUDED.observed_at,
     reported_at = now()
   WHERE backup_snapshot.observed_at <= EXCLUDED.observed_at RETURNING 1)
   SELECT count(*)::int AS n FROM applied`,
);
const UPSERT_REPLICAS = sql(
  "backups.report.upsertReplicas",
  `WITH applied AS (
   INSERT INTO backup_replica (volume_id, target_id, state, synced_to, detail, observed_at)
   SELECT r.v, r.t, r.s, r.y, r.d, r.o
     FROM jsonb_to_recordset($1::jsonb) AS r(v uuid, t uuid, s text, y timestamptz, d text, o timestamptz)
   ON CONFLICT (volume_id, target_id) DO UPDATE SET
     state = EXCLUDED.state, synced_to = EXCLUDED.synced_to, detail = EXCLUDED.detail,
     observed_at = EXCLUDED.observed_at, reported_at = now()
   WHERE backup_replica.observed_at <= EXCLUDED.observed_at RETURNING 1)
   SELECT count(*)::int AS n FROM applied`,
);

type Volume = { id: string; operatorId: string; providerId: string; kind: string };

/** Snapshots and replica states as the provider-side backup agent reports them. */
export class BackupReportService {
  constructor(private readonly ds: DataSource) {}

  /**
   * Stores a batch: idempotent per (volume, GUID) and per (volume, target), a newer observation replacing
   * an older one whatever order they arrive in. One transaction, one accounting event.
   */
  async report(
    caller: Caller,
    volumes: VolumeReportInput[],
  ): Promise<{ snapshots: number; replicas: number; applied: number }> {
    const now = Date.now();
    let count = 0;
    const ids = volumes.map((v, i) => {
      count += v.snapshots.length + v.replicas.length;
      return expectGlobalId(v.volumeId, "BackupVolume", `volumes[${i}].volumeId`);
    });
    if (count > MAX_REPORT_RECORDS)
      throw badInput("volumes", `at most ${MAX_REPORT_RECORDS} snapshots and replicas per report`);
    const snapshots: unknown[] = [];
    const replicaRows: { v: string; target: string; field: string; row: Record<string, unknown> }[] = [];
    volumes.forEach((v, i) => {
      const field = `volumes[${i}]`;
      const observed = v.observedAt ? Date.parse(v.observedAt) : now;
      if (Number.isNaN(observed) || observed > now + MAX_CLOCK_SKEW_MS)
        throw badInput(`${field}.observedAt`, `${field}.observedAt lies in the future`);
      const o = new Date(observed).toISOString();
      v.snapshots.forEach((s, j) => {
        const f = `${field}.snapshots[${j}]`;
        if (!GUID.test(s.guid))
          throw badInput(`${f}.guid`, `${f}.guid must be 1 to 100 letters, digits, . _ : -`);
        if (s.name.length === 0 || s.name.length > 300)
          throw badInput(`${f}.name`, `${f}.name must be 1-300 characters`);
        if (!Number.isSafeInteger(s.sizeBytes) || s.sizeBytes < 0)
          throw badInput(`${f}.sizeBytes`, `${f}.sizeBytes must be a whole number of bytes`);
        const held = s.heldAt ?? ["source"];
        if (held.length > 20 || held.some((h) => !TARGET_NAME.test(h)))
          throw badInput(`${f}.heldAt`, `${f}.heldAt must name at most 20 targets (or source)`);
        snapshots.push({
          v: ids[i],
          g: s.guid,
          n: s.name,
          t: s.takenAt,
          s: s.sizeBytes,
          h: held,
          d: s.destroyedAt ?? null,
          o,
        });
      });
      v.replicas.forEach((r, j) => {
        const f = `${field}.replicas[${j}]`;
        if (!(REPLICA_STATES as readonly string[]).includes(r.state))
          throw badInput(`${f}.state`, `${f}.state must be one of ${REPLICA_STATES.join(", ")}`);
        if (r.detail && r.detail.length > 1000)
          throw badInput(`${f}.detail`, `${f}.detail must be at most 1000 characters`);
        replicaRows.push({
          v: ids[i]!,
          target: r.target,
          field: `${f}.target`,
          row: { s: r.state, y: r.syncedTo ?? null, d: r.detail ?? null, o },
        });
      });
    });
    return inTransaction(this.ds, async (tx) => {
      const db = dbOf(tx);
      const found = new Map((await db.query<Volume>(VOLUMES, [[...new Set(ids)]])).map((v) => [v.id, v]));
      const checked = new Set<string>();
      ids.forEach((id, i) => {
        const v = found.get(id);
        if (!v) throw notFound("BackupVolume", volumes[i]!.volumeId);
        if (checked.has(id)) return;
        checked.add(id);
        authorize(caller, Permission.BackupReport, {
          kind: "BackupVolume",
          id: volumes[i]!.volumeId,
          operatorId: v.operatorId,
          providerId: v.providerId,
        });
      });
      const providers = [...new Set([...found.values()].map((v) => v.providerId))];
      let replicas: Record<string, unknown>[] = [];
      if (replicaRows.length > 0) {
        const targets = await db.query<{ id: string; providerId: string; name: string }>(TARGETS, [
          providers,
        ]);
        const byName = new Map(targets.map((t) => [`${t.providerId}/${t.name}`, t.id]));
        replicas = replicaRows.map((r) => {
          const target = byName.get(`${found.get(r.v)!.providerId}/${r.target}`);
          if (!target) throw badInput(r.field, `${r.field}: the provider has no backup target ${r.target}`);
          return { v: r.v, t: target, ...r.row };
        });
      }
      const upsert = async (statement: string, rows: unknown[]) =>
        rows.length === 0 ? 0 : (await db.query<{ n: number }>(statement, [JSON.stringify(rows)]))[0]!.n;
      const applied = (await upsert(UPSERT_SNAPSHOTS, snapshots)) + (await upsert(UPSERT_REPLICAS, replicas));
      const withSnapshots = [...new Set(ids.filter((_, i) => volumes[i]!.snapshots.length > 0))];
      if (withSnapshots.length > 0) {
        await db.query(LAST_SNAPSHOT, [withSnapshots]);
        // Billing follows the snapshots (replica states carry no bytes): two statements for the batch.
        await syncBackupUsage(tx, withSnapshots);
      }
      const operators = [...new Set([...found.values()].map((v) => v.operatorId))];
      await recordEvent(tx, caller, {
        eventType: "monitor",
        action: "report",
        targetKind: "backup",
        // One operator's volumes: its chain; several (a provider-wide agent): the provider's.
        targetId: operators.length === 1 ? operators[0]! : providers.length === 1 ? providers[0]! : null,
        operatorId: operators.length === 1 ? operators[0]! : null,
        reason: `${snapshots.length} snapshots, ${replicas.length} replicas of ${checked.size} volumes`,
      });
      return { snapshots: snapshots.length, replicas: replicas.length, applied };
    });
  }
}
