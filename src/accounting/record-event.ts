import type { EntityManager } from "typeorm";
import type { Caller } from "../graphql/context.js";
import { AccountingEventEntity, type Initiator } from "./accounting-event.entity.js";

export type EventInput = {
  action: string;
  targetKind: string;
  targetId: string | null;
  operatorId: string | null;
  outcome?: "success" | "failure" | "pending";
  eventType?: "activity" | "monitor" | "control";
  reason?: string | null;
  changes?: Record<string, { before: unknown; after: unknown }> | null;
};

export function initiatorOf(caller: Caller): Initiator {
  const p = caller.principal;
  return {
    kind: p ? p.kind : caller.requestId === "system" ? "system" : "anonymous",
    id: p?.id ?? null,
    name: p?.name ?? null,
    ip: caller.client.ip,
    userAgent: caller.client.userAgent,
  };
}

/** Appends one accounting event inside the caller's transaction: it exists iff the change commits. */
export async function recordEvent(tx: EntityManager, caller: Caller, e: EventInput): Promise<void> {
  await tx.insert(AccountingEventEntity, {
    eventType: e.eventType ?? "activity",
    action: e.action,
    outcome: e.outcome ?? "success",
    initiator: initiatorOf(caller),
    targetKind: e.targetKind,
    targetId: e.targetId,
    operatorId: e.operatorId,
    reason: e.reason ?? null,
    requestId: caller.requestId,
    changes: (e.changes ?? null) as AccountingEventEntity["changes"] & object,
  });
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
