// Streamed exports of the chains: every sealed event with its chain fields, and the signed checkpoints
// that cover them, each checkpoint right after the event it signs. Nothing is held in memory but a batch.

import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { stringify } from "csv-stringify/sync";
import type { DataSource } from "typeorm";
import type { Db } from "../db/db.js";
import { inTransaction } from "../db/transaction.js";
import type { Caller } from "../graphql/context.js";
import { type Checkpoint, PROVIDER_CHAIN, type SealedEvent } from "./chain.js";
import { checkpointsBetween } from "./checkpoints.js";
import { EVENT_DOC_COLUMNS_JSON_TEXT, SEAL_COLUMNS } from "./event-sql.js";
import { recordEvent } from "./record-event.js";
import { type SnapshotReader, withSnapshot } from "./snapshot-reader.js";

export type ExportFormat = "jsonl" | "csv";
export const EXPORT_FORMATS: readonly ExportFormat[] = ["jsonl", "csv"];

/** chain null: every chain. from/to (ISO times) select events by when they occurred. */
export type ExportScope = { chain: string | null; from: string | null; to: string | null };

export type ChainRange = { chain: string; fromSeq: number; toSeq: number };

/**
 * An event row as the export writes it: its JSON fields (initiator, changes) as PostgreSQL's JSON text,
 * handed on without parsing and serialising them again (most of an export's cost otherwise).
 */
export type ExportEventRow = Omit<SealedEvent, "seq" | "initiator" | "changes"> & {
  seq: string;
  initiator: string;
  changes: string | null;
};

export type ExportRecord =
  | { type: "event"; row: ExportEventRow }
  | ({ type: "checkpoint" } & Checkpoint)
  | { type: "end"; events: number; checkpoints: number };

/** The CSV columns; events and checkpoints share the chain columns (a checkpoint's head hash is in hash). */
export const CSV_COLUMNS = [
  "record",
  "chain",
  "seq",
  "prev_hash",
  "hash",
  "id",
  "occurred_at",
  "event_type",
  "action",
  "outcome",
  "initiator",
  "target_kind",
  "target_id",
  "operator_id",
  "observer",
  "reason",
  "request_id",
  "changes",
  "signed_at",
  "key_id",
  "signature",
] as const;

/**
 * The stretch of each chain the scope covers: the whole chain, or from the first to the last event that
 * occurred in [from, to). A stretch is contiguous, so it can be checked link by link.
 */
export async function chainRanges(db: Db, scope: ExportScope): Promise<ChainRange[]> {
  const params: unknown[] = [];
  let rows: { chain: string; fromSeq: string; toSeq: string }[];
  if (!scope.from && !scope.to) {
    if (scope.chain !== null) params.push(scope.chain);
    rows = await db.query(
      `SELECT chain, '1' AS "fromSeq", seq::text AS "toSeq" FROM accounting_chain
        ${scope.chain !== null ? "WHERE chain = $1" : ""} ORDER BY chain`,
      params,
    );
  } else {
    const where: string[] = [];
    if (scope.chain === "provider") where.push("e.operator_id IS NULL");
    else if (scope.chain !== null) where.push(`e.operator_id = $${params.push(scope.chain)}::uuid`);
    if (scope.from) where.push(`e.occurred_at >= $${params.push(scope.from)}`);
    if (scope.to) where.push(`e.occurred_at < $${params.push(scope.to)}`);
    rows = await db.query(
      `SELECT s.chain, min(s.seq)::text AS "fromSeq", max(s.seq)::text AS "toSeq"
         FROM accounting_event e JOIN accounting_seal s ON s.event_id = e.id
        WHERE ${where.join(" AND ")} GROUP BY s.chain ORDER BY s.chain`,
      params,
    );
  }
  return rows.map((r) => ({ chain: r.chain, fromSeq: Number(r.fromSeq), toSeq: Number(r.toSeq) }));
}

/** One stretch of a chain, oldest first: every event, each followed by the checkpoints at its seq. */
export async function* chainRecords(
  r: SnapshotReader,
  range: ChainRange,
): AsyncGenerator<ExportRecord & { type: "event" | "checkpoint" }> {
  const checkpoints = await checkpointsBetween(r, range.chain, range.fromSeq, range.toSeq);
  let next = 0;
  const rows = r.stream<ExportEventRow>(
    `SELECT s.chain, ${SEAL_COLUMNS}, ${EVENT_DOC_COLUMNS_JSON_TEXT}
       FROM accounting_seal s JOIN accounting_event e ON e.id = s.event_id
      WHERE s.chain = $1 AND s.seq BETWEEN $2 AND $3 ORDER BY s.seq`,
    [range.chain, range.fromSeq, range.toSeq],
  );
  for await (const row of rows) {
    yield { type: "event", row };
    const seq = Number(row.seq);
    while (next < checkpoints.length && checkpoints[next]!.seq <= seq) {
      const c = checkpoints[next++]!;
      if (c.seq === seq) yield { type: "checkpoint", ...c };
    }
  }
}

/** Who exported which log is itself accounted for (on the chain exported, or the provider's). */
export function recordExport(ds: DataSource, caller: Caller, scope: ExportScope): Promise<void> {
  return inTransaction(ds, (tx) =>
    recordEvent(tx, caller, {
      action: "read",
      targetKind: "accounting_log",
      targetId: scope.chain ?? "all",
      operatorId: scope.chain !== null && scope.chain !== PROVIDER_CHAIN ? scope.chain : null,
    }),
  );
}

/** Writes the export to out (an HTTP response, a file, stdout); onEvent counts for a progress bar. */
export async function writeExport(
  ds: DataSource,
  scope: ExportScope,
  format: ExportFormat,
  out: Writable,
  hooks: { onStart?: (total: number) => void; onEvent?: () => void } = {},
): Promise<{ events: number; checkpoints: number }> {
  const counts = { events: 0, checkpoints: 0 };
  await withSnapshot(ds, async (r) => {
    const ranges = await chainRanges(r, scope);
    hooks.onStart?.(ranges.reduce((n, c) => n + c.toSeq - c.fromSeq + 1, 0));
    async function* records(): AsyncGenerator<ExportRecord> {
      for (const range of ranges) {
        for await (const rec of chainRecords(r, range)) {
          if (rec.type === "event") {
            counts.events++;
            hooks.onEvent?.();
          } else counts.checkpoints++;
          yield rec;
        }
      }
      yield { type: "end", ...counts };
    }
    await pipeline(Readable.from(format === "csv" ? csvText(records()) : jsonlText(records(), scope)), out);
  });
  return counts;
}

// Lines are handed on in batches: one stream chunk per record would cost more than the records.
const BATCH = 500;

async function* jsonlText(records: AsyncIterable<ExportRecord>, scope: ExportScope): AsyncGenerator<string> {
  const head = {
    type: "export",
    format: "fedicentral-accounting/1",
    exportedAt: new Date().toISOString(),
    ...scope,
  };
  let batch = JSON.stringify(head) + "\n";
  let n = 0;
  for await (const rec of records) {
    batch += (rec.type === "event" ? eventLine(rec.row) : JSON.stringify(rec)) + "\n";
    if (++n % BATCH === 0) {
      yield batch;
      batch = "";
    }
  }
  if (batch) yield batch;
}

const str = JSON.stringify;
const strOrNull = (v: string | null) => (v === null ? "null" : JSON.stringify(v));

/** The JSON line of an event, the same as JSON.stringify of the record but for the JSON fields' spacing. */
function eventLine(e: ExportEventRow): string {
  return (
    `{"type":"event","chain":${str(e.chain)},"seq":${e.seq},"prevHash":${str(e.prevHash)},"hash":${str(e.hash)},` +
    `"id":${str(e.id)},"occurredAt":${str(e.occurredAt)},"eventType":${str(e.eventType)},` +
    `"action":${str(e.action)},"outcome":${str(e.outcome)},"initiator":${e.initiator},` +
    `"targetKind":${str(e.targetKind)},"targetId":${strOrNull(e.targetId)},` +
    `"operatorId":${strOrNull(e.operatorId)},"observer":${str(e.observer)},"reason":${strOrNull(e.reason)},` +
    `"requestId":${strOrNull(e.requestId)},"changes":${e.changes ?? "null"}}`
  );
}

async function* csvText(records: AsyncIterable<ExportRecord>): AsyncGenerator<string> {
  let rows: unknown[][] = [];
  let header = true;
  const flush = () => {
    const text = stringify(rows, { header, columns: [...CSV_COLUMNS] });
    header = false;
    rows = [];
    return text;
  };
  for await (const rec of records) {
    rows.push(csvRow(rec));
    if (rows.length === BATCH) yield flush();
  }
  yield flush();
}

// Nulls are empty cells; recordEvent never stores empty text, so an empty cell always means null.
function csvRow(rec: ExportRecord): unknown[] {
  if (rec.type === "end") return ["end"];
  if (rec.type === "checkpoint") {
    const blank = Array<string>(13).fill("");
    return [
      "checkpoint",
      rec.chain,
      rec.seq,
      "",
      rec.headHash,
      ...blank,
      rec.signedAt,
      rec.keyId,
      rec.signature,
    ];
  }
  const e = rec.row;
  return [
    "event",
    e.chain,
    e.seq,
    e.prevHash,
    e.hash,
    e.id,
    e.occurredAt,
    e.eventType,
    e.action,
    e.outcome,
    e.initiator,
    e.targetKind,
    e.targetId,
    e.operatorId,
    e.observer,
    e.reason,
    e.requestId,
    e.changes ?? "",
    "",
    "",
    "",
  ];
}
