import type { SealedEvent } from "./chain.js";

/** A timestamptz as ISO-8601 UTC with microseconds: the exact value an event hash covers. */
export const isoMicros = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** The chain key of an event row e, in SQL. */
export const CHAIN_OF_EVENT = `coalesce(e.operator_id::text, 'provider')`;

const eventColumns = (json: (column: string) => string) => `e.id::text AS id,
  ${isoMicros("e.occurred_at")} AS "occurredAt", e.event_type AS "eventType", e.action, e.outcome,
  ${json("initiator")}, e.target_kind AS "targetKind", e.target_id AS "targetId", e.operator_id AS "operatorId",
  e.observer, e.reason, e.request_id AS "requestId", ${json("changes")}`;

/** An event row e as the fields of ChainedEvent, without its chain and its place in it. */
export const EVENT_DOC_COLUMNS = eventColumns((c) => `e.${c}`);

/** The same with the JSON fields as PostgreSQL's JSON text, for writers that need not parse them. */
export const EVENT_DOC_COLUMNS_JSON_TEXT = eventColumns((c) => `e.${c}::text AS ${c}`);

/** A seal row s: its place in the chain. */
export const SEAL_COLUMNS = `s.seq::text AS seq, s.prev_hash AS "prevHash", s.hash`;

/** A row of EVENT_DOC_COLUMNS + SEAL_COLUMNS as a sealed event. */
export function toSealedEvent(row: Record<string, unknown>): SealedEvent {
  const e = row as unknown as SealedEvent & { seq: string | number };
  e.seq = Number(e.seq);
  return e;
}
