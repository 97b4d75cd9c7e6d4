import type { EntityManager } from "typeorm";
import type { Caller } from "../graphql/context.js";
import { observerOf } from "./accounting-config.js";
import type { Initiator } from "./accounting-event.entity.js";
import { isRecording } from "./recording.js";

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
};

export function initiatorOf(caller: Caller): Initiator {
  const p = caller.principal;
  return {
    kind: p ? p.kind : caller.systemActor !== undefined ? "system" : "anonymous",
    id: p?.id ?? null,
    name: p ? p.name : (caller.systemActor ?? null),
    ip: caller.client.ip,
    userAgent: caller.client.userAgent,
  };
}

let observer: string | undefined;

/**
 * Appends one accounting event inside the caller's transaction: it exists iff the change commits. The
 * sealer links it into its chain (the operator's, or the provider-wide one) once it has committed.
 */
export async function recordEvent(tx: EntityManager, caller: Caller, e: EventInput): Promise<void> {
  if (!isRecording()) return;
  // Plain SQL: TypeORM's insert builder costs several times the insert itself on this hot path.
  await tx.query(
    `INSERT INTO accounting_event (event_type, action, outcome, initiator, target_kind, target_id, operator_id,
                                   reason, request_id, observer, changes)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      e.eventType ?? "activity",
      e.action,
      e.outcome ?? "success",
      JSON.stringify(initiatorOf(caller)),
      e.targetKind,
      // Empty text is stored as null, so that a CSV export (where both are an empty cell) stays exact.
      e.targetId || null,
      e.operatorId,
      e.reason || null,
      caller.requestId || null,
      (observer ??= observerOf()),
      e.changes ? JSON.stringify(e.changes) : null,
    ],
  );
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
