// The JSON-lines export, written by PostgreSQL: each line is built in SQL and streamed out by COPY, so
// the rows are never parsed into objects and serialised again here (that was most of an export's time).

import pg from "pg";
import { sqlTemplate } from "../db/named-sql.js";
import { isoTime } from "../db/sql.js";
import { isoMicros } from "./event-sql.js";
import type { ChainRange } from "./export.js";

/** A JSON text in SQL: null as JSON null, other values as to_json writes them (escaped as JSON.stringify does). */
const json = (expr: string) => `coalesce(to_json(${expr})::text, 'null')`;
/** A jsonb column's own text. */
const jsonb = (column: string) => `coalesce(${column}::text, 'null')`;

/** SQL concatenating one JSON object from members given as SQL expressions yielding JSON text. */
function jsonObject(members: [name: string, jsonText: string][]): string {
  return `${members.map(([name, v], i) => `'${i === 0 ? "{" : ","}"${name}":' || ${v}`).join(" || ")} || '}'`;
}

// The members in the order of the ExportRecord types: an event line reads as JSON.stringify of it would.
const EVENT_LINE = jsonObject([
  ["type", `'"event"'`],
  ["chain", json("s.chain")],
  ["seq", "s.seq::text"],
  ["prevHash", json("s.prev_hash")],
  ["hash", json("s.hash")],
  ["id", json("e.id::text")],
  ["occurredAt", json(isoMicros("e.occurred_at"))],
  ["eventType", json("e.event_type")],
  ["action", json("e.action")],
  ["outcome", json("e.outcome")],
  ["initiator", jsonb("e.initiator")],
  ["targetKind", json("e.target_kind")],
  ["targetId", json("e.target_id")],
  ["operatorId", json("e.operator_id")],
  ["observer", json("e.observer")],
  ["reason", json("e.reason")],
  ["requestId", json("e.request_id")],
  ["changes", jsonb("e.changes")],
]);

const CHECKPOINT_LINE = jsonObject([
  ["type", `'"checkpoint"'`],
  ["chain", json("k.chain")],
  ["seq", "k.seq::text"],
  ["headHash", json("k.head_hash")],
  ["signedAt", json(isoTime("k.signed_at"))],
  ["keyId", json("k.key_id")],
  ["number", "k.number::text"],
  ["prevCheckpointHash", json("k.prev_checkpoint_hash")],
  ["version", "k.version::text"],
  ["signature", json("k.signature")],
]);

const CHAIN_LINES = sqlTemplate<"chain" | "between">(
  "accounting.export.chainLines",
  `COPY (
    SELECT line FROM (
      SELECT s.seq, 0 AS kind, 0::bigint AS id, ${EVENT_LINE} AS line
        FROM accounting_seal s JOIN accounting_event e ON e.id = s.event_id
       WHERE s.chain = {{chain}} AND s.seq {{between}}
      UNION ALL
      SELECT k.seq, 1, k.id, ${CHECKPOINT_LINE}
        FROM accounting_checkpoint k WHERE k.chain = {{chain}} AND k.seq {{between}}
    ) l ORDER BY seq, kind, id
  ) TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')`,
);

/**
 * COPY of one stretch of a chain as JSON lines: every event, each followed by the checkpoints at its
 * seq. CSV with a quote and a delimiter no JSON text contains (to_json escapes every control character)
 * writes each line as it is: no quoting, no backslash escapes, one newline after each.
 */
export function chainLinesCopy(range: ChainRange): string {
  const chain = pg.escapeLiteral(range.chain);
  const between = `BETWEEN ${Math.trunc(range.fromSeq)} AND ${Math.trunc(range.toSeq)}`;
  return CHAIN_LINES.fill({ chain, between });
}

/** Counts the lines in a COPY chunk (one per record). */
export function lineCount(chunk: Buffer): number {
  let n = 0;
  for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
  return n;
}
