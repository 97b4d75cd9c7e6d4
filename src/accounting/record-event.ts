import type { EntityManager } from "typeorm";
import type { Caller } from "../common/caller.js";
import { observerOf } from "./accounting-config.js";
import type { Initiator } from "./accounting-event.entity.js";
import { EVENT_LIMITS as MAX, capChanges, capText } from "./event-limits.js";
import { isRecording } from "./recording.js";
import { sql } from "../db/named-sql.js";

export type EventInput = {
  action: string;
  targetKind: string;
  targetId: string | null;
  operatorId: string | null;
  outcome?: "success" | "failure" | "pending";
  eventType?: "activity" | "monitor" | "control";
  /** Why: for denials, failures and control events. */
  reason?: string | null;
  changes?: Record<string, { before: unknown; after: unknown }> | null;
  /** How many attempts this one event stands for (refusals and anonymous failures summarised); default 1. */
  attempts?: number;
};

/** Who acted, each text capped (src/accounting/event-limits.ts): the client chooses its user agent. */
export function initiatorOf(caller: Caller): Initiator {
  const p = caller.principal;
  return {
    kind: p ? p.kind : caller.systemActor !== undefined ? "system" : "anonymous",
    id: capText(p?.id ?? null, MAX.targetId),
    name: capText(p ? p.name : (caller.systemActor ?? null), MAX.initiatorName),
    ip: capText(caller.client.ip, MAX.ip),
    userAgent: capText(caller.client.userAgent, MAX.userAgent),
  };
}

let observer: string | undefined;

const EVENT_INSERT = sql(
  "accounting.event.insert",
  `INSERT INTO accounting_event (event_type, action, outcome, initiator, target_kind, target_id, operator_id,
                                   reason, request_id, observer, changes)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
);

/**
 * Appends one accounting event inside the caller's transaction: it exists iff the change commits. The
 * sealer links it into its chain (the operator's, or the provider-wide one) once it has committed. Every
 * text is capped, so one event has a bounded size; the chain hashes what is stored.
 */
export async function recordEvent(tx: EntityManager, caller: Caller, e: EventInput): Promise<void> {
  if (!isRecording()) return;
  // Plain SQL: TypeORM's insert builder costs several times the insert itself on this hot path.
  await tx.query(EVENT_INSERT, [
    e.eventType ?? "activity",
    capText(e.action, MAX.action),
    e.outcome ?? "success",
    JSON.stringify(initiatorWithAttempts(caller, e.attempts)),
    capText(e.targetKind, MAX.targetKind),
    // Empty text is stored as null, so that a CSV export (where both are an empty cell) stays exact.
    capText(e.targetId || null, MAX.targetId),
    e.operatorId,
    capText(e.reason || null, MAX.reason),
    capText(caller.requestId || null, MAX.requestId),
    (observer ??= observerOf()),
    e.changes ? JSON.stringify(capChanges(e.changes)) : null,
  ]);
}

// Only a summary carries the count: events of one attempt keep the shape (and hashes) they always had.
function initiatorWithAttempts(caller: Caller, attempts: number | undefined): Initiator {
  const initiator = initiatorOf(caller);
  return attempts !== undefined && attempts !== 1 ? { ...initiator, attempts } : initiator;
}

/** The fields that differ between two versions of a row, for an update event. */
export function changesBetween<T extends object>(
  before: T,
  after: Partial<T>,
  secretFields: (keyof T)[] = [],
): Record<string, { before: unknown; after: unknown }> {
  const out: Record<string, { before: unknown; after: unknown }> = {};
  for (const key of Object.keys(after) as (keyof T)[]) {
    const a = after[key];
    const b = before[key];
    if (a === undefined || JSON.stringify(a) === JSON.stringify(b)) continue;
    out[key as string] = secretFields.includes(key)
      ? { before: "[changed]", after: "[changed]" }
      : { before: b, after: a };
  }
  return out;
}
