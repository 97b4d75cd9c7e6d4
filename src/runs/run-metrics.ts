import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { Db } from "../db/db.js";
import { orReset, processMetrics } from "../metrics/registry.js";
import { ACTIVE_STATES, type TerminalRunState } from "./run-state.js";
import { sql } from "../db/named-sql.js";

const ended = new Counter({
  name: "fedicentral_runs_ended_total",
  help: "Runs this process ended (its worker, or its reaper for runs of lost workers), by final state",
  labelNames: ["state"] as const,
  registers: [processMetrics],
});

const duration = new Histogram({
  name: "fedicentral_run_duration_seconds",
  help: "From a run's claim by this process's worker to its end, by final state",
  labelNames: ["state"] as const,
  buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
  registers: [processMetrics],
});

/** A run ended here; seconds is null when this process did not run it (the reaper). */
export function runEnded(state: TerminalRunState, seconds: number | null): void {
  ended.inc({ state });
  if (seconds !== null) duration.observe({ state }, seconds);
}

const BY_STATE = sql(
  "runs.metrics.byState",
  `SELECT state, count(*)::int AS n FROM run WHERE state = ANY($1::text[]) GROUP BY state`,
);
const OLDEST_QUEUED = sql(
  "runs.metrics.oldestQueued",
  `SELECT extract(epoch FROM now() - min(queued_at))::float8 AS s FROM run WHERE state = 'queued'`,
);

/** The whole database's queue, read at each scrape: any server can report it. */
export function registerRunQueueGauges(db: Db, registry: Registry): void {
  const STATES = ["queued", ...ACTIVE_STATES];
  new Gauge({
    name: "fedicentral_runs",
    help: "Runs waiting or under way, in the whole database, by state",
    labelNames: ["state"] as const,
    registers: [registry],
    async collect() {
      await orReset(this, async () => {
        const rows = await db.query<{ state: string; n: number }>(BY_STATE, [STATES]);
        for (const s of STATES) this.set({ state: s }, rows.find((r) => r.state === s)?.n ?? 0);
      });
    },
  });
  new Gauge({
    name: "fedicentral_run_queue_oldest_seconds",
    help: "How long the oldest queued run has waited (0: none waits)",
    registers: [registry],
    async collect() {
      await orReset(this, async () => {
        const [row] = await db.query<{ s: number | null }>(OLDEST_QUEUED);
        this.set(row?.s ?? 0);
      });
    },
  });
}
