// The run worker: claims queued runs from PostgreSQL, one per deployment at a time, runs nixops4 for them
// in their own working directory, stores their output, and records how they ended. Every worker also reaps
// runs whose worker stopped sending heartbeats.

import { randomUUID } from "node:crypto";
import { cp, mkdir, stat, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import type { DataSource, EntityManager } from "typeorm";
import { recordEvent } from "../accounting/record-event.js";
import { dbOf } from "../db/db.js";
import { sharedNotifications } from "../db/notifications.js";
import { inTransaction, isUniqueViolation } from "../db/transaction.js";
import { systemCaller } from "../common/caller.js";
import type { Logger } from "../logger.js";
import { type Nixops4Result, type Nixops4Run, startNixops4 } from "./nixops4-process.js";
import { RUN_CHANNEL, parseRunNotification } from "./run-channels.js";
import { runEnded } from "./run-metrics.js";
import { type RunConfig, loadRunConfig } from "./run-config.js";
import { sweepRunDirs } from "./run-dirs.js";
import { variableOrFile } from "../common/secret-file.js";
import { RunLogWriter } from "./run-log.js";
import {
  ACTIVE_STATES,
  type RunState,
  type TerminalRunState,
  type TransitionedRun,
  isTerminal,
  returnedRows,
  transitionRun,
} from "./run-state.js";
import { MIN_SECRET_LENGTH, SecretMasker } from "./secret-mask.js";
import { sql } from "../db/named-sql.js";

export type RunWorkerOptions = Partial<RunConfig> & {
  /** Names the worker in run.worker_id; defaults to host:pid:random. */
  workerId?: string;
  /** Added to nixops4's minimal environment (e.g. credentials for resource providers). */
  env?: Record<string, string>;
  /** Wake up on PostgreSQL notifications (enqueue, runs ending, cancel requests); default true. */
  listen?: boolean;
};

export type RunWorker = {
  id: string;
  /** Stops claiming, stops the runs in progress (they end errored, "the worker stopped"), and waits. */
  stop(): Promise<void>;
};

type ClaimedRun = { id: string; deploymentId: string; deploymentName: string; config: object };

type ActiveRun = {
  proc: Nixops4Run | null;
  /** Why the process is being stopped, once it is. */
  stopping: "cancel" | "shutdown" | "lost" | null;
  /** nixops4 has ended and its end is being recorded: the row may leave the active states any moment. */
  finishing: boolean;
  done: Promise<void>;
};

export const WORKER_LOST_REASON = "worker lost";
export const WORKER_STOPPED_REASON = "the worker stopped";
const SWEEP_EVERY_MS = 3_600_000;

const STALE_RUNS = sql(
  "runs.worker.stale",
  `SELECT id FROM run WHERE state = ANY($1::text[]) AND heartbeat_at < now() - $2 * interval '1 millisecond'`,
);
const HEARTBEAT = sql(
  "runs.worker.heartbeat",
  `UPDATE run SET heartbeat_at = now()
            WHERE id = ANY($1::uuid[]) AND worker_id = $2 AND state = ANY($3::text[]) RETURNING id, state`,
);
const OWN_RUNS = sql(
  "runs.worker.ownRuns",
  `SELECT id, state FROM run WHERE id = ANY($1::uuid[]) AND worker_id = $2 AND state = ANY($3::text[])`,
);
const PICK_QUEUED = sql(
  "runs.worker.pickQueued",
  `SELECT q.id FROM run q
            WHERE q.state = 'queued'
              AND NOT EXISTS (SELECT 1 FROM run a WHERE a.deployment_id = q.deployment_id
                                AND a.state = ANY($1::text[]))
              AND NOT EXISTS (SELECT 1 FROM run o WHERE o.deployment_id = q.deployment_id
                                AND o.state = 'queued' AND o.seq < q.seq)
            ORDER BY q.seq LIMIT 1
            FOR UPDATE OF q SKIP LOCKED`,
);
const MARK_DEPLOYED = sql(
  "runs.worker.deployed",
  `UPDATE deployment d SET deployed_config = r.config - 'restore', deployed_generation = r.generation,
                  deployed_at = r.finished_at, updated_at = now()
             FROM run r WHERE r.id = $1 AND d.id = r.deployment_id`,
);

export function startRunWorker(ds: DataSource, log: Logger, opts: RunWorkerOptions = {}): RunWorker {
  const { workerId: givenId, env, listen = true, ...overrides } = opts;
  const config: RunConfig = { ...loadRunConfig(), ...definedOnly(overrides) };
  const workerId = givenId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const wlog = log.child({ worker: workerId });
  const db = dbOf(ds);
  // Named variables of ours (e.g. credentials for resource providers) first; explicit ones win.
  const nixops4Env: Record<string, string> = {};
  for (const name of [...config.passEnv, ...config.secretEnv]) {
    const value = variableOrFile(process.env, name);
    if (value !== undefined) nixops4Env[name] = value;
  }
  Object.assign(nixops4Env, env);
  const secrets = config.secretEnv.flatMap((name) => nixops4Env[name] ?? []);
  const unmaskable = config.secretEnv.filter(
    (name) => Buffer.byteLength(nixops4Env[name] ?? "") < MIN_SECRET_LENGTH,
  );
  if (unmaskable.length)
    log.warn(
      { variables: unmaskable },
      `secrets shorter than ${MIN_SECRET_LENGTH} characters are not masked`,
    );
  const active = new Map<string, ActiveRun>();
  const reapEveryMs = Math.max(config.pollMs, Math.min(5000, Math.floor(config.lostAfterMs / 2)));
  let lastReap = 0;
  let lastSweep = 0;
  let lastHeartbeat = Date.now();
  // Our runs are looked at once per poll, or at once when one of them is being canceled; a tick that
  // only fills a free slot (most of them, under load) skips that query.
  let lastWatch = 0;
  let watchNow = false;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | null = null;
  let again = false;

  const schedule = (delayMs: number) => {
    if (stopping) return;
    clearTimeout(timer);
    timer = setTimeout(() => void runTick(), delayMs);
  };

  const runTick = async () => {
    if (ticking) {
      again = true;
      return;
    }
    ticking = tick();
    await ticking;
    ticking = null;
    if (again) {
      again = false;
      schedule(0);
    } else schedule(config.pollMs);
  };

  async function tick(): Promise<void> {
    try {
      if (Date.now() - lastReap >= reapEveryMs) {
        lastReap = Date.now();
        await reap();
      }
      if (Date.now() - lastSweep >= SWEEP_EVERY_MS) {
        lastSweep = Date.now();
        const removed = await sweepRunDirs(db, config.deploymentsDir, config.dirRetentionMs).catch(
          (e: unknown) => (wlog.warn({ err: e }, "could not remove old run directories"), []),
        );
        if (removed.length > 0) wlog.info({ removed: removed.length }, "removed old run directories");
      }
      if (watchNow || Date.now() - lastWatch >= config.pollMs) {
        watchNow = false;
        lastWatch = Date.now();
        await watchActive();
      }
      while (!stopping && active.size < config.concurrency) {
        const run = await claim();
        if (!run) break;
        launch(run);
      }
    } catch (e) {
      wlog.error({ err: e }, "run worker tick failed");
    }
  }

  /** Marks runs whose heartbeat is too old as errored; they are never retried. */
  async function reap(): Promise<void> {
    const stale = await db.query<{ id: string }>(STALE_RUNS, [ACTIVE_STATES, config.lostAfterMs]);
    for (const { id } of stale) {
      const reaped = await inTransaction(ds, async (tx) => {
        const done = await transitionRun(
          dbOf(tx),
          id,
          ACTIVE_STATES,
          "errored",
          { reason: WORKER_LOST_REASON },
          { heartbeatOlderThanMs: config.lostAfterMs },
        );
        if (done) await recordEnd(tx, done, "errored", WORKER_LOST_REASON);
        return done !== null;
      });
      if (reaped) {
        runEnded("errored", null);
        wlog.warn({ runId: id }, "run marked errored: its worker was lost");
      }
    }
  }

  /** Heartbeats for our runs, and reacts to cancel requests and to runs that are no longer ours. */
  async function watchActive(): Promise<void> {
    if (active.size === 0) return;
    const ids = [...active.keys()];
    let rows: { id: string; state: RunState }[];
    if (Date.now() - lastHeartbeat >= config.heartbeatMs) {
      lastHeartbeat = Date.now();
      rows = returnedRows(await db.query(HEARTBEAT, [ids, workerId, ACTIVE_STATES]));
    } else {
      rows = await db.query(OWN_RUNS, [ids, workerId, ACTIVE_STATES]);
    }
    const states = new Map(rows.map((r) => [r.id, r.state]));
    for (const id of ids) {
      const run = active.get(id);
      if (!run || run.stopping === "lost" || run.finishing) continue;
      const state = states.get(id);
      if (state === undefined) {
        // Reaped, or its deployment deleted: someone else decided its end, and another run may start.
        wlog.warn({ runId: id }, "run is no longer ours; stopping nixops4");
        stopRun(run, "lost", "the run was taken from this worker");
      } else if (state === "canceling" && run.stopping === null) {
        stopRun(run, "cancel", "canceled on request");
      }
    }
  }

  function stopRun(run: ActiveRun, why: NonNullable<ActiveRun["stopping"]>, reason: string): void {
    if (why !== "lost" && run.stopping !== null) return;
    run.stopping = why;
    run.proc?.cancel(reason);
  }

  async function claim(): Promise<ClaimedRun | null> {
    try {
      // The oldest queued run whose deployment has no active run and no older queued one, picked, locked
      // and moved to running in one statement.
      const claimed = await transitionRun(
        db,
        {
          pickSql: PICK_QUEUED,
          params: [ACTIVE_STATES],
        },
        ["queued"],
        "running",
        { workerId },
      );
      if (!claimed) return null;
      return {
        id: claimed.id,
        deploymentId: claimed.deploymentId,
        deploymentName: claimed.deploymentName ?? "",
        config: claimed.config,
      };
    } catch (e) {
      // Another worker started a run of this deployment at the same moment: the database said no.
      if (isUniqueViolation(e, "run_one_active_per_deployment")) return null;
      throw e;
    }
  }

  function launch(claimed: ClaimedRun): void {
    const run: ActiveRun = { proc: null, stopping: null, finishing: false, done: Promise.resolve() };
    active.set(claimed.id, run);
    wlog.info({ runId: claimed.id, deploymentId: claimed.deploymentId }, "run started");
    run.done = execute(claimed, run)
      .catch((e: unknown) => wlog.error({ err: e, runId: claimed.id }, "run failed to finish"))
      .finally(() => {
        active.delete(claimed.id);
        // A free slot: look for the next run now rather than at the next poll.
        schedule(0);
      });
  }

  async function execute(claimed: ClaimedRun, run: ActiveRun): Promise<void> {
    const claimedAt = performance.now();
    const logWriter = new RunLogWriter(db, claimed.id, {
      capBytes: config.logCapBytes,
      tailBytes: config.logTailBytes,
    });
    const masks = { stdout: new SecretMasker(secrets), stderr: new SecretMasker(secrets) };
    let result: Nixops4Result;
    try {
      const cwd = await prepareWorkdir(config.deploymentsDir, claimed);
      const proc = startNixops4({
        bin: config.nixops4Bin,
        cwd,
        env: nixops4Env,
        timeoutMs: config.timeoutMs,
        killGraceMs: config.killGraceMs,
        // Should this worker be killed, nixops4 goes with it: the reaper will soon free the deployment
        // for another run, and two nixops4 of one deployment must never overlap.
        parentDeathSignal: "SIGKILL",
        onOutput: (chunk) => logWriter.write(chunk.stream, masks[chunk.stream].push(chunk.data)),
      });
      run.proc = proc;
      if (run.stopping)
        proc.cancel(run.stopping === "cancel" ? "canceled on request" : WORKER_STOPPED_REASON);
      result = await proc.result;
    } catch (e) {
      result = {
        outcome: "errored",
        exitCode: null,
        signal: null,
        reason: `could not start: ${errorText(e)}`,
      };
    }
    try {
      for (const stream of ["stdout", "stderr"] as const) await logWriter.write(stream, masks[stream].end());
      await logWriter.close();
    } catch (e) {
      // nixops4's own verdict stands (a success did change the deployment); the gap is in the server log.
      wlog.error({ err: e, runId: claimed.id }, "could not store the run's output");
    }
    if (run.stopping === "lost") return;
    run.finishing = true;
    let to: TerminalRunState;
    let reason = result.reason === null ? null : masks.stderr.maskText(result.reason);
    if (result.outcome === "canceled") {
      if (run.stopping === "cancel") to = "canceled";
      else {
        to = "errored";
        reason = WORKER_STOPPED_REASON;
      }
    } else to = result.outcome;
    const recorded = await inTransaction(ds, async (tx) => {
      const done = await transitionRun(
        dbOf(tx),
        claimed.id,
        to === "canceled" ? ["canceling"] : ACTIVE_STATES,
        to,
        { exitCode: result.exitCode, signal: result.signal, reason },
        { workerId },
      );
      if (!done) {
        wlog.warn(
          { runId: claimed.id, outcome: to },
          "run changed under the worker; its end is not recorded",
        );
        return false;
      }
      if (to === "succeeded") {
        // What this run applied is now what is deployed (a restore's target is not configuration): in the
        // same transaction as the state change.
        await tx.query(MARK_DEPLOYED, [claimed.id]);
      }
      await recordEnd(tx, done, to, reason);
      return true;
    });
    if (recorded) runEnded(to, (performance.now() - claimedAt) / 1000);
    wlog.info({ runId: claimed.id, state: to, reason }, "run ended");
  }

  async function recordEnd(
    tx: EntityManager,
    run: TransitionedRun,
    state: TerminalRunState,
    reason: string | null,
  ): Promise<void> {
    await recordEvent(tx, systemCaller(), {
      action: run.action,
      targetKind: "run",
      targetId: run.id,
      operatorId: run.operatorId,
      outcome: state === "succeeded" ? "success" : "failure",
      reason: state === "succeeded" ? null : (reason ?? state),
    });
  }

  // Polling alone would leave a queued run waiting pollMs on average; a notification wakes us at once.
  // Only what can change our next step counts: a new run, a run that ended (its deployment is free), or a
  // cancel of one of ours. A burst of them costs one tick, since ticks do not overlap.
  const notifications = listen && config.concurrency > 0 ? sharedNotifications(ds, wlog) : null;
  notifications?.on(RUN_CHANNEL, (payload) => {
    const n = parseRunNotification(payload);
    if (!n || stopping) return;
    const mayClaim = (n.state === "queued" || isTerminal(n.state)) && active.size < config.concurrency;
    if (n.state === "canceling" && active.has(n.run)) {
      watchNow = true;
      schedule(0);
    } else if (mayClaim) schedule(0);
  });
  notifications?.onReconnect(() => schedule(0));

  schedule(0);
  wlog.info({ concurrency: config.concurrency }, "run worker started");

  return {
    id: workerId,
    async stop() {
      if (stopping) return;
      stopping = true;
      clearTimeout(timer);
      await notifications?.release();
      await ticking;
      for (const run of active.values()) stopRun(run, "shutdown", WORKER_STOPPED_REASON);
      await Promise.all([...active.values()].map((r) => r.done));
      wlog.info("run worker stopped");
    },
  };
}

/** `${dir}/runs/<run id>`, with the deployment's checkout (if any) and the frozen deployment.json. */
export async function prepareWorkdir(
  deploymentsDir: string,
  run: { id: string; deploymentName: string; config: object },
): Promise<string> {
  const runsDir = path.resolve(deploymentsDir, "runs");
  const cwd = path.join(runsDir, run.id);
  // A run executes once (a lost one is never retried), so its directory is new: one that exists is a
  // mistake to stop at, not to wipe.
  await mkdir(cwd).catch(async (e: NodeJS.ErrnoException) => {
    if (e.code !== "ENOENT") throw e;
    await mkdir(runsDir, { recursive: true });
    await mkdir(cwd);
  });
  const checkout = path.resolve(deploymentsDir, "checkouts", run.deploymentName);
  if (run.deploymentName && !run.deploymentName.includes("/") && (await isDirectory(checkout))) {
    await cp(checkout, cwd, { recursive: true });
  }
  await writeFile(path.join(cwd, "deployment.json"), JSON.stringify(run.config, null, 2) + "\n");
  return cwd;
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
