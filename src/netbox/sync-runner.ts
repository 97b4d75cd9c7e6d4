// The life of a sync run: claimed under a per-provider advisory lock (at most one sync of a provider at a
// time, across every process), read into the stage, merged in one transaction with its outcome, or failed
// with the reason and the mirror and watermark untouched. Worker, CLI and tests all go through here.
import type { DataSource, QueryRunner } from "typeorm";
import { initiatorOf, recordEvent } from "../accounting/record-event.js";
import { type Db, dbOf } from "../db/db.js";
import { inTransaction } from "../db/transaction.js";
import { type Caller, systemCaller } from "../common/caller.js";
import type { Logger } from "../logger.js";
import { returnedRows } from "../runs/run-state.js";
import { type KindCounts, zeroCounts } from "./mirror-writer.js";
import { NetboxError } from "./netbox-client.js";
import type { NetboxConfig } from "./netbox-config.js";
import { SyncSetupError, openConnection } from "./netbox-connection.js";
import type { SyncMode, SyncTrigger } from "./netbox-sync-run.entity.js";
import { type StagedSync, type SyncIssue, type SyncProgress, readIntoStage } from "./sync-engine.js";
import { sql } from "../db/named-sql.js";

export type SyncDeps = { ds: DataSource; log: Logger; config: NetboxConfig };

export const WORKER_STOPPED = "the worker stopped";
export const RUNNER_LOST = "the process running the sync stopped";
const MAX_ISSUES = 200;

/** The advisory lock key of a provider's sync (64-bit, from the provider id). */
export const LOCK_KEY = (param: string) =>
  `hashtextextended('fedicentral.netbox-sync:' || ${param}::text, 0)`;

export type ClaimedSync = {
  id: string;
  providerId: string;
  mode: SyncMode;
  trigger: SyncTrigger;
  /** Holds the provider's advisory lock; the stage lives on it. */
  runner: QueryRunner;
};

const runnerDb = (qr: QueryRunner): Db => ({
  query: async <T>(sql: string, params: unknown[] = []) => returnedRows<T>(await qr.query(sql, params)),
});

const ENQUEUE = sql(
  "netbox.sync.enqueue",
  `INSERT INTO netbox_sync_run (provider_id, mode, trigger, initiator, request_id)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (provider_id) WHERE state IN ('queued', 'running') DO NOTHING RETURNING id`,
);

/** Enqueues a sync; null when the provider has one queued or running already. */
export async function enqueueSync(
  ds: DataSource,
  caller: Caller,
  providerId: string,
  mode: SyncMode,
  trigger: SyncTrigger,
): Promise<string | null> {
  return inTransaction(ds, async (tx) => {
    const [row] = await dbOf(tx).query<{ id: string }>(ENQUEUE, [
      providerId,
      mode,
      trigger,
      JSON.stringify(initiatorOf(caller)),
      caller.requestId,
    ]);
    if (!row) return null;
    await recordEvent(tx, caller, {
      action: "netbox-sync",
      outcome: "pending",
      targetKind: "netbox-sync-run",
      targetId: row.id,
      operatorId: null,
    });
    return row.id;
  });
}

const LOCK = sql("netbox.sync.lock", `SELECT pg_try_advisory_lock(${LOCK_KEY("$1")}) AS locked`);
const START = sql(
  "netbox.sync.start",
  `UPDATE netbox_sync_run SET state = 'running', started_at = now(), worker_id = $2
          WHERE id = $1 AND state = 'queued' RETURNING mode, trigger`,
);

/** Takes a queued run: the provider's lock first, then the row; null when either is taken. */
export async function claimSyncRun(
  ds: DataSource,
  run: { id: string; providerId: string },
  workerId: string,
): Promise<ClaimedSync | null> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    const [lock] = await runner.query(LOCK, [run.providerId]);
    if (!lock?.locked) {
      await runner.release();
      return null;
    }
    const [row] = returnedRows<{ mode: SyncMode; trigger: SyncTrigger }>(
      await runner.query(START, [run.id, workerId]),
    );
    if (!row) {
      await unlock(runner, run.providerId);
      return null;
    }
    return { id: run.id, providerId: run.providerId, mode: row.mode, trigger: row.trigger, runner };
  } catch (e) {
    await runner.release();
    throw e;
  }
}

const UNLOCK = sql("netbox.sync.unlock", `SELECT pg_advisory_unlock(${LOCK_KEY("$1")})`);

async function unlock(runner: QueryRunner, providerId: string): Promise<void> {
  try {
    await runner.query(UNLOCK, [providerId]);
  } finally {
    await runner.release();
  }
}

export type SyncOutcome = { state: "succeeded" | "failed"; reason: string | null };

const WATERMARK = sql(
  "netbox.sync.watermark",
  `UPDATE netbox_connection SET last_change_id = $2, last_change_time = $3, netbox_version = $4
        WHERE provider_id = $1`,
);
const SUCCEEDED = sql(
  "netbox.sync.succeeded",
  `UPDATE netbox_sync_run SET state = 'succeeded', finished_at = now(), mode = $2, pages = $3,
              created = $4, updated = $5, deleted = $6, unchanged = $7, skipped = $8, kind_counts = $9,
              issues = $10, progress = NULL, watermark_before = $11, watermark_after = $12, netbox_version = $13
        WHERE id = $1`,
);
const FAILED = sql(
  "netbox.sync.failed",
  `UPDATE netbox_sync_run SET state = 'failed', finished_at = now(), reason = $2, progress = NULL,
                pages = $3, skipped = $4, issues = $5
          WHERE id = $1 AND state = 'running'`,
);

/** Runs a claimed sync to its end and releases it; never throws for a failed sync. */
export async function executeSyncRun(
  deps: SyncDeps,
  claimed: ClaimedSync,
  opts: { signal?: AbortSignal; wantTotals?: boolean; onProgress?: (p: SyncProgress) => void } = {},
): Promise<SyncOutcome> {
  const { ds, log, config } = deps;
  const qr = claimed.runner;
  const sql = runnerDb(qr);
  const tx = {
    begin: () => qr.startTransaction(),
    commit: () => qr.commitTransaction(),
    rollback: async () => {
      if (qr.isTransactionActive) await qr.rollbackTransaction();
    },
  };
  const progress = progressWriter(dbOf(ds), claimed.id, log, opts.onProgress);
  const rlog = log.child({ syncRunId: claimed.id, providerId: claimed.providerId });
  let staged: StagedSync | null = null;
  const issues: SyncIssue[] = [];
  let close: (() => Promise<void>) | null = null;
  try {
    const conn = await openConnection(dbOf(ds), config, claimed.providerId);
    close = () => conn.client.close();
    staged = await readIntoStage(
      {
        client: conn.client,
        sql,
        tx,
        kinds: conn.kinds,
        watermark: conn.watermark,
        overlapSeconds: config.overlapSeconds,
        refetchConcurrency: config.refetchConcurrency,
        signal: opts.signal,
        wantTotals: opts.wantTotals,
        onProgress: progress.report,
        issues,
      },
      claimed.mode,
    );
    progress.report({ phase: "merge", kind: null, fetched: 0, total: null, pages: staged.pages });
    await progress.flush();
    await tx.begin();
    const perKind = await staged.stage.merge(claimed.providerId, staged.since);
    const deleted =
      staged.mode === "full"
        ? await staged.stage.deleteUnlisted(
            claimed.providerId,
            staged.kinds.filter((k) => !staged!.incomplete.has(k)),
            staged.since,
          )
        : await staged.stage.applyDeletes(claimed.providerId);
    const counts = assembleCounts(staged, perKind, deleted);
    await sql.query(WATERMARK, [
      claimed.providerId,
      staged.watermark?.id ?? null,
      staged.watermark?.time ?? null,
      staged.netboxVersion,
    ]);
    const reported = staged.note
      ? [{ kind: null, netboxId: null, reason: staged.note }, ...staged.issues]
      : staged.issues;
    await sql.query(SUCCEEDED, [
      claimed.id,
      staged.mode,
      staged.pages,
      counts.total.created,
      counts.total.updated,
      counts.total.deleted,
      counts.total.unchanged,
      counts.skipped,
      JSON.stringify(counts.byKind),
      JSON.stringify(reported.slice(0, MAX_ISSUES)),
      conn.watermark?.id ?? null,
      staged.watermark?.id ?? null,
      staged.netboxVersion,
    ]);
    await recordEvent(qr.manager, systemCaller(), {
      action: "netbox-sync",
      targetKind: "netbox-sync-run",
      targetId: claimed.id,
      operatorId: null,
    });
    await tx.commit();
    rlog.info({ mode: staged.mode, ...counts.total, skipped: counts.skipped }, "NetBox sync succeeded");
    return { state: "succeeded", reason: null };
  } catch (e) {
    await tx.rollback().catch(() => undefined);
    await progress.flush();
    const reason = failureReason(e, opts.signal);
    if (!(e instanceof NetboxError) && !opts.signal?.aborted) rlog.error({ err: e }, "NetBox sync crashed");
    else rlog.warn({ reason }, "NetBox sync failed");
    // Still under the lock: nobody can start the next sync before this one is recorded as failed.
    await inTransaction(ds, async (t) => {
      await dbOf(t).query(FAILED, [
        claimed.id,
        reason,
        staged?.pages ?? progress.pages(),
        [...(staged?.skipped.values() ?? [])].reduce((a, b) => a + b, 0),
        JSON.stringify(issues.slice(0, MAX_ISSUES)),
      ]);
      await recordEvent(t, systemCaller(), {
        action: "netbox-sync",
        outcome: "failure",
        targetKind: "netbox-sync-run",
        targetId: claimed.id,
        operatorId: null,
        reason,
      });
    });
    return { state: "failed", reason };
  } finally {
    await staged?.stage.drop().catch(() => undefined);
    await close?.().catch(() => undefined);
    await unlock(qr, claimed.providerId).catch((e: unknown) => rlog.warn({ err: e }, "could not unlock"));
  }
}

function assembleCounts(
  staged: StagedSync,
  perKind: Map<string, KindCounts>,
  deleted: Map<string, number>,
): { total: KindCounts; skipped: number; byKind: Record<string, KindCounts & { skipped: number }> } {
  const total = zeroCounts();
  let skipped = 0;
  const byKind: Record<string, KindCounts & { skipped: number }> = {};
  for (const kind of staged.kinds) {
    const c = { ...(perKind.get(kind) ?? zeroCounts()), deleted: deleted.get(kind) ?? 0 };
    const s = staged.skipped.get(kind) ?? 0;
    byKind[kind] = { ...c, skipped: s };
    total.created += c.created;
    total.updated += c.updated;
    total.deleted += c.deleted;
    total.unchanged += c.unchanged;
    skipped += s;
  }
  return { total, skipped, byKind };
}

/** What a person needs to read in the run: NetBox's answer, or why the sync stopped. */
export function failureReason(e: unknown, signal?: AbortSignal): string {
  if (signal?.aborted) return WORKER_STOPPED;
  if (e instanceof NetboxError) {
    // "token cannot read devices" names its kind already.
    if (e.kind && !e.message.includes(e.kind)) return `${e.kind}: ${e.message}`;
    return e.message;
  }
  if (e instanceof SyncSetupError) return e.message;
  return `internal error: ${e instanceof Error ? e.message : String(e)}`;
}

const PROGRESS = sql(
  "netbox.sync.progress",
  `UPDATE netbox_sync_run SET progress = $2, pages = $3 WHERE id = $1 AND state = 'running'`,
);

/** Live progress in the run row, at most twice a second, and to a local listener (the CLI's bar). */
function progressWriter(db: Db, runId: string, log: Logger, listener?: (p: SyncProgress) => void) {
  let last = 0;
  let latest: SyncProgress | null = null;
  let chain: Promise<void> = Promise.resolve();
  const write = () => {
    const p = latest;
    latest = null;
    if (!p) return;
    last = Date.now();
    chain = chain
      .then(async () => {
        await db.query(PROGRESS, [
          runId,
          JSON.stringify({ phase: p.phase, kind: p.kind, fetched: p.fetched, total: p.total }),
          p.pages,
        ]);
      })
      .catch((e: unknown) => log.warn({ err: e }, "could not record sync progress"));
  };
  let pages = 0;
  return {
    /** Pages read so far, as last reported. */
    pages: () => pages,
    report(p: SyncProgress) {
      pages = p.pages;
      listener?.(p);
      latest = p;
      if (Date.now() - last >= 500) write();
    },
    async flush() {
      await chain;
    },
  };
}
