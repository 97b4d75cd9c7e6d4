// The NetBox sync worker of a server process: queues the syncs that schedules ask for, runs queued syncs
// (several providers at once, one sync per provider across all processes), and fails the syncs of
// processes that died. Every process may run one; the database decides who does what.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { DataSource } from "typeorm";
import { dbOf } from "../db/db.js";
import type { Logger } from "../logger.js";
import { type NetboxConfig, loadNetboxConfig } from "./netbox-config.js";
import { claimSyncRun, executeSyncRun } from "./sync-runner.js";
import { enqueueDueSyncs, reapLostSyncRuns } from "./sync-schedule.js";
import { sql } from "../db/named-sql.js";

export type NetboxWorkerOptions = Partial<NetboxConfig> & {
  workerId?: string;
  /** Enqueue scheduled syncs (default true); tests that start syncs themselves turn it off. */
  schedule?: boolean;
};

export type NetboxWorker = {
  id: string;
  /** Stops claiming, cancels the syncs in progress (they fail: "the worker stopped"), and waits for them. */
  stop(): Promise<void>;
};

const REAP_EVERY_MS = 5000;
/** Schedules are in minutes; looking every few seconds is plenty (claiming queued runs is every poll). */
const SCHEDULE_EVERY_MS = 5000;

const QUEUED = sql(
  "netbox.worker.queued",
  `SELECT id, provider_id AS "providerId" FROM netbox_sync_run WHERE state = 'queued' ORDER BY seq LIMIT 20`,
);

export function startNetboxWorker(ds: DataSource, log: Logger, opts: NetboxWorkerOptions = {}): NetboxWorker {
  const { workerId: givenId, schedule = true, ...overrides } = opts;
  const config: NetboxConfig = { ...loadNetboxConfig(), ...definedOnly(overrides) };
  const workerId = givenId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const wlog = log.child({ netboxWorker: workerId });
  const active = new Map<string, Promise<void>>();
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | null = null;
  let lastReap = 0;
  let lastSchedule = 0;

  const tick = async () => {
    try {
      if (Date.now() - lastReap >= REAP_EVERY_MS) {
        lastReap = Date.now();
        await reapLostSyncRuns(ds, wlog);
      }
      if (schedule && Date.now() - lastSchedule >= SCHEDULE_EVERY_MS) {
        lastSchedule = Date.now();
        await enqueueDueSyncs(ds);
      }
      await claimQueued();
    } catch (e) {
      wlog.error({ err: e }, "NetBox worker tick failed");
    }
  };

  async function claimQueued(): Promise<void> {
    if (active.size >= config.concurrency) return;
    const queued = await dbOf(ds).query<{ id: string; providerId: string }>(QUEUED);
    for (const run of queued) {
      if (abort.signal.aborted || active.size >= config.concurrency) return;
      const claimed = await claimSyncRun(ds, run, workerId);
      if (!claimed) continue;
      wlog.info({ syncRunId: run.id, providerId: run.providerId, mode: claimed.mode }, "NetBox sync started");
      const done = executeSyncRun({ ds, log: wlog, config }, claimed, { signal: abort.signal })
        .then(() => undefined)
        .catch((e: unknown) => wlog.error({ err: e, syncRunId: run.id }, "NetBox sync did not finish"))
        .finally(() => {
          active.delete(run.id);
          later(0);
        });
      active.set(run.id, done);
    }
  }

  const loop = async () => {
    if (ticking) return;
    ticking = tick();
    await ticking;
    ticking = null;
    later(config.pollMs);
  };
  const later = (ms: number) => {
    if (abort.signal.aborted) return;
    clearTimeout(timer);
    timer = setTimeout(() => void loop(), ms);
  };

  later(0);
  wlog.info({ concurrency: config.concurrency, schedule }, "NetBox worker started");
  return {
    id: workerId,
    async stop() {
      if (abort.signal.aborted) return;
      abort.abort();
      clearTimeout(timer);
      await ticking;
      await Promise.all(active.values());
      wlog.info("NetBox worker stopped");
    },
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
