// The one place that knows which run states follow which. Every state change goes through transitionRun,
// which checks the table and guards the UPDATE with the expected state, so a change that lost a race (the
// reaper, a cancel, the worker) changes nothing instead of overwriting.

import type { Db } from "../db/db.js";
import { sqlTemplate } from "../db/named-sql.js";

export const RUN_STATES = [
  "queued",
  "running",
  "canceling",
  "succeeded",
  "failed",
  "errored",
  "canceled",
] as const;

export type RunState = (typeof RUN_STATES)[number];

/** What a run does: apply the staged configuration, or that and restore a volume from a backup snapshot. */
export type RunAction = "apply" | "restore";

export type TerminalRunState = "succeeded" | "failed" | "errored" | "canceled";

/** States in which a process may exist; at most one run per deployment is in one of them. */
export const ACTIVE_STATES: readonly RunState[] = ["running", "canceling"];

const TRANSITIONS: Record<RunState, readonly RunState[]> = {
  queued: ["running", "canceled"],
  // failed and succeeded from canceling: the process may finish on its own before the cancel reaches it.
  running: ["succeeded", "failed", "errored", "canceling"],
  canceling: ["canceled", "succeeded", "failed", "errored"],
  succeeded: [],
  failed: [],
  errored: [],
  canceled: [],
};

export function canTransition(from: RunState, to: RunState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isTerminal(state: RunState): state is TerminalRunState {
  return TRANSITIONS[state].length === 0;
}

export class IllegalRunTransition extends Error {
  constructor(
    readonly from: RunState,
    readonly to: RunState,
  ) {
    super(`a run cannot go from ${from} to ${to}`);
  }
}

export function assertTransition(from: RunState, to: RunState): void {
  if (!canTransition(from, to)) throw new IllegalRunTransition(from, to);
}

export type TransitionFields = {
  exitCode?: number | null;
  signal?: string | null;
  reason?: string | null;
  workerId?: string | null;
};

export type TransitionGuard = {
  /** Only if the run belongs to this worker. */
  workerId?: string;
  /** Only if its heartbeat is older than this many milliseconds (the reaper). */
  heartbeatOlderThanMs?: number;
};

export type TransitionedRun = {
  id: string;
  deploymentId: string;
  state: RunState;
  generation: number;
  config: object;
  action: RunAction;
  /** Of the run's deployment, read in the same statement (for its accounting event and its workdir). */
  operatorId: string | null;
  deploymentName: string | null;
};

/**
 * Which run to move: one by id, or (for a worker claiming) the first row of a query that picks and locks
 * it, so that picking and moving are one statement and one round trip.
 */
export type RunSelector = string | { pickSql: string; params: unknown[] };

// The transition as one statement: {{set}} is the new state, its timestamp and the fields given;
// {{guards}} the expected states and the guard; a worker's claim first picks the run with {{pick}}.
const RETURNING = `RETURNING r.id, r.deployment_id AS "deploymentId", r.state, r.generation, r.config, r.action,
        d.operator_id AS "operatorId", d.name AS "deploymentName"`;
const TRANSITION_BY_ID = sqlTemplate<"set" | "guards">(
  "runs.transition.byId",
  ` UPDATE run r SET {{set}} FROM deployment d 
      WHERE r.id = $1 AND d.id = r.deployment_id AND {{guards}}
      ${RETURNING}`,
);
const TRANSITION_PICKED = sqlTemplate<"pick" | "set" | "guards">(
  "runs.transition.picked",
  `WITH picked AS ({{pick}}) UPDATE run r SET {{set}} FROM deployment d , picked
      WHERE r.id = picked.id AND d.id = r.deployment_id AND {{guards}}
      ${RETURNING}`,
);

/**
 * Moves one run from one of the expected states to `to`, stamping the state's timestamp, and returns the
 * row, or null when the run was not in an expected state (or the guard did not hold). Throws for a
 * transition the table forbids, before touching the database.
 */
export async function transitionRun(
  db: Db,
  run: RunSelector,
  from: readonly RunState[],
  to: RunState,
  fields: TransitionFields = {},
  guard: TransitionGuard = {},
): Promise<TransitionedRun | null> {
  if (from.length === 0) throw new Error("transitionRun needs at least one expected state");
  for (const f of from) assertTransition(f, to);
  const params: unknown[] = typeof run === "string" ? [run] : [...run.params];
  const param = (v: unknown) => `$${params.push(v)}`;
  const set = [`state = ${param(to)}`, `updated_at = now()`];
  if (to === "running") set.push(`started_at = now()`, `heartbeat_at = now()`);
  else if (to === "canceling") set.push(`cancel_requested_at = now()`);
  else if (isTerminal(to)) set.push(`finished_at = now()`);
  const columns: Record<keyof TransitionFields, string> = {
    exitCode: "exit_code",
    signal: "signal",
    reason: "reason",
    workerId: "worker_id",
  };
  for (const [key, column] of Object.entries(columns) as [keyof TransitionFields, string][]) {
    if (fields[key] !== undefined) set.push(`${column} = ${param(fields[key])}`);
  }
  const where = [`r.state = ANY(${param([...from])}::text[])`];
  if (guard.workerId !== undefined) where.push(`r.worker_id = ${param(guard.workerId)}`);
  if (guard.heartbeatOlderThanMs !== undefined) {
    where.push(`r.heartbeat_at < now() - ${param(guard.heartbeatOlderThanMs)} * interval '1 millisecond'`);
  }
  const parts = { set: set.join(", "), guards: where.join(" AND ") };
  const statement =
    typeof run === "string"
      ? TRANSITION_BY_ID.fill(parts)
      : TRANSITION_PICKED.fill({ ...parts, pick: run.pickSql });
  const result = await db.query<TransitionedRun>(statement, params);
  return returnedRows<TransitionedRun>(result)[0] ?? null;
}

/** TypeORM answers an UPDATE ... RETURNING with [rows, affected]; a plain pg query with the rows. */
export function returnedRows<T>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === "number"
  )
    return result[0] as T[];
  return result as T[];
}
