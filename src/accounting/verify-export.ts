// The offline verifier: checks an export file without the database, trusting only the public keys given.

import type { KeyObject } from "node:crypto";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { parse } from "csv-parse";
import type { Checkpoint } from "./chain.js";
import { type ChainReport, ChainVerifier, staleTail } from "./chain-verifier.js";
import { type ParsedLine, blockLines, parsedRecord } from "./export-line.js";
import { type LineReadOptions, parsedBlocks } from "./export-lines.js";
import { type ChainPin, type CheckedScope, WitnessCheck } from "./witness-check.js";

/** The checkpoint interval assumed for an export whose header does not say it. */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 3_600_000;

export type ExportVerification = {
  ok: boolean;
  events: number;
  checkpoints: number;
  chains: ChainReport[];
  /** Problems of the file itself: unreadable lines, a missing end (a cut-off export). */
  problems: string[];
};

export type VerifyOptions = LineReadOptions & {
  onEvent?: () => void;
  /** Checkpoints a witness kept: the export must hold each one it covers, byte for byte. */
  witness?: readonly Checkpoint[];
  /** Checkpoints an auditor noted down: the export must hold them and the events they sign. */
  pins?: readonly ChainPin[];
};

const CSV_CHAINS = "(the chains of a CSV export)";

type Header = CheckedScope & { exportedAt?: string; checkpointIntervalMs?: number };

export async function verifyExportFile(
  path: string,
  keys: ReadonlyMap<string, KeyObject>,
  opts: VerifyOptions = {},
): Promise<ExportVerification> {
  const verifier = new ChainVerifier(keys);
  const problems: string[] = [];
  let events = 0;
  let checkpoints = 0;
  const seen: { end: { events: number } | null; header: Header | null } = { end: null, header: null };
  const check = new WitnessCheck(opts.witness ?? [], opts.pins ?? []);
  const checking = !check.empty;
  const take = (p: ParsedLine, where: string) => {
    if (p.kind === "blank") return;
    if (seen.end) problems.push(`${where}: content after the end of the export`);
    if (p.kind === "invalid") return void problems.push(`${where} cannot be read`);
    if (p.kind === "event") {
      events++;
      opts.onEvent?.();
      verifier.linked(p.link, p.hashMatches);
      if (checking) check.event(verifier, p.link);
      return;
    }
    const rec = p.rec;
    switch (rec.type) {
      case "checkpoint":
        checkpoints++;
        verifier.checkpoint(rec as unknown as Checkpoint);
        if (checking) check.checkpoint(verifier, rec as unknown as Checkpoint);
        break;
      case "end":
        seen.end = { events: Number(rec.events ?? events) };
        break;
      case "export":
        seen.header = rec as unknown as Header;
        break;
      default:
        problems.push(`${where}: unknown record type ${JSON.stringify(rec.type)}`);
    }
  };
  if (await looksLikeJsonl(path)) {
    await eachJsonLine(path, (p, n) => take(p, `line ${n}`), opts);
  } else {
    for await (const [rec, where] of csvRecords(path, problems)) {
      take(parsedRecord(rec), where);
    }
  }
  if (!seen.end) problems.push("the export has no end record: it was cut off");
  else if (seen.end.events !== events) {
    problems.push(`the export says it holds ${seen.end.events} events, the file has ${events}`);
  }
  // CSV has no header: its chains are checked as whole ones, a chain it lacks is not missed, and with no
  // time of export, its unsigned tails are not aged.
  const scope: CheckedScope = seen.header ?? { chain: CSV_CHAINS, from: null, to: null };
  if (checking) problems.push(...check.finish(verifier, scope));
  const exportedAt = Date.parse(seen.header?.exportedAt ?? "");
  if (!scope.to && !Number.isNaN(exportedAt)) {
    const interval = seen.header?.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS;
    for (const r of verifier.reports()) {
      const stale = staleTail(r, exportedAt, interval);
      if (stale) verifier.fail(r.chain, stale.seq, stale.problem);
    }
  }
  const chains = verifier.reports();
  return {
    ok: problems.length === 0 && chains.every((c) => !c.firstBad),
    events,
    checkpoints,
    chains,
    problems,
  };
}

async function looksLikeJsonl(path: string): Promise<boolean> {
  const f = await open(path);
  try {
    const { buffer, bytesRead } = await f.read(Buffer.alloc(64), 0, 64, 0);
    return buffer.subarray(0, bytesRead).toString("utf8").trimStart().startsWith("{");
  } finally {
    await f.close();
  }
}

/** Hands every line, parsed and hashed, to `each` in file order. */
async function eachJsonLine(
  path: string,
  each: (p: ParsedLine, n: number) => void,
  opts: LineReadOptions,
): Promise<void> {
  let n = 0;
  for await (const block of parsedBlocks(path, opts)) {
    for (const line of blockLines(block)) each(line, ++n);
  }
}

async function* csvRecords(
  path: string,
  problems: string[],
): AsyncGenerator<[Record<string, unknown>, string]> {
  const rows = createReadStream(path).pipe(parse({ columns: true, relax_column_count: true }));
  let n = 1;
  for await (const row of rows as AsyncIterable<Record<string, string>>) {
    n++;
    try {
      yield [fromCsv(row), `row ${n}`];
    } catch {
      problems.push(`row ${n} cannot be read`);
    }
  }
}

const orNull = (v: string | undefined) => (v === undefined || v === "" ? null : v);

function fromCsv(row: Record<string, string>): Record<string, unknown> {
  switch (row.record) {
    case "event":
      return {
        type: "event",
        chain: row.chain,
        seq: Number(row.seq),
        prevHash: row.prev_hash,
        hash: row.hash,
        id: row.id,
        occurredAt: row.occurred_at,
        eventType: row.event_type,
        action: row.action,
        outcome: row.outcome,
        initiator: JSON.parse(row.initiator ?? "null"),
        targetKind: row.target_kind,
        targetId: orNull(row.target_id),
        operatorId: orNull(row.operator_id),
        observer: row.observer,
        reason: orNull(row.reason),
        requestId: orNull(row.request_id),
        changes: row.changes ? JSON.parse(row.changes) : null,
      };
    case "checkpoint":
      return {
        type: "checkpoint",
        chain: row.chain,
        seq: Number(row.seq),
        headHash: row.hash,
        signedAt: row.signed_at,
        keyId: row.key_id,
        number: row.checkpoint_number ? Number(row.checkpoint_number) : undefined,
        prevCheckpointHash: orNull(row.prev_checkpoint_hash),
        version: row.checkpoint_version ? Number(row.checkpoint_version) : undefined,
        signature: row.signature,
      };
    default:
      return { type: row.record };
  }
}
