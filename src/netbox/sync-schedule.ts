// Keeping syncs going without anyone asking: the schedules, and the runs of processes that died.
import type { DataSource } from "typeorm";
import { initiatorOf, recordEvent } from "../accounting/record-event.js";
import { dbOf } from "../db/db.js";
import { inTransaction } from "../db/transaction.js";
import { systemCaller } from "../common/caller.js";
import type { Logger } from "../logger.js";
import { returnedRows } from "../runs/run-state.js";
import { LOCK_KEY, RUNNER_LOST } from "./sync-runner.js";
import { sql } from "../db/named-sql.js";

const RUNNING = sql(
  "netbox.schedule.running",
  `SELECT id, provider_id AS "providerId" FROM netbox_sync_run WHERE state = 'running'`,
);
const UNLOCKED = sql(
  "netbox.schedule.unlocked",
  `SELECT pg_try_advisory_xact_lock(${LOCK_KEY("$1")}) AS free`,
);
const FAIL_LOST = sql(
  "netbox.schedule.failLost",
  `UPDATE netbox_sync_run SET state = 'failed', finished_at = now(), reason = $2, progress = NULL
            WHERE id = $1 AND state = 'running' RETURNING id`,
);

/** Marks running syncs whose process is gone (their advisory lock is free) as failed. */
export async function reapLostSyncRuns(ds: DataSource, log: Logger): Promise<number> {
  const running = await dbOf(ds).query<{ id: string; providerId: string }>(RUNNING);
  let reaped = 0;
  for (const run of running) {
    await inTransaction(ds, async (tx) => {
      const db = dbOf(tx);
      const [lock] = await db.query<{ free: boolean }>(UNLOCKED, [run.providerId]);
      if (!lock?.free) return;
      const done = returnedRows(await tx.query(FAIL_LOST, [run.id, RUNNER_LOST]));
      if (done.length === 0) return;
      reaped++;
      await recordEvent(tx, systemCaller(), {
        action: "netbox-sync",
        outcome: "failure",
        targetKind: "netbox-sync-run",
        targetId: run.id,
        operatorId: null,
        reason: RUNNER_LOST,
      });
      log.warn({ syncRunId: run.id }, "NetBox sync marked failed: its process is gone");
    });
  }
  return reaped;
}

const ENQUEUE_DUE = sql(
  "netbox.schedule.enqueueDue",
  `WITH due AS (
       SELECT c.provider_id, c.incremental_interval_seconds AS inc, c.full_interval_seconds AS full_s,
              (SELECT max(r.queued_at) FROM netbox_sync_run r WHERE r.provider_id = c.provider_id) AS last_attempt,
              (SELECT max(r.queued_at) FROM netbox_sync_run r
                WHERE r.provider_id = c.provider_id AND r.mode = 'full' AND r.state = 'succeeded') AS last_full
         FROM netbox_connection c WHERE c.schedule_enabled)
     INSERT INTO netbox_sync_run (provider_id, mode, trigger, initiator)
     SELECT provider_id,
            CASE WHEN last_full IS NULL OR last_full <= now() - full_s * interval '1 second'
                 THEN 'full' ELSE 'incremental' END,
            'schedule', $1::jsonb
       FROM due WHERE last_attempt IS NULL OR last_attempt <= now() - inc * interval '1 second'
     ON CONFLICT (provider_id) WHERE state IN ('queued', 'running') DO NOTHING
     RETURNING id`,
);

/**
 * Queues the syncs the schedules ask for: a full one when the last successful full sync is older than the
 * full interval, else an incremental one, each at most once per incremental interval (failures included).
 */
export async function enqueueDueSyncs(ds: DataSource): Promise<number> {
  const rows = await dbOf(ds).query(ENQUEUE_DUE, [JSON.stringify(initiatorOf(systemCaller()))]);
  return rows.length;
}
