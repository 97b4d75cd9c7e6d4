// The offline verifier: checks an export file without the database, trusting only the public keys given.

import type { KeyObject } from "node:crypto";
import { createReadStream, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { open } from "node:fs/promises";
import { parse } from "csv-parse";
import type { Checkpoint } from "./chain.js";
import { type ChainReport, ChainVerifier } from "./chain-verifier.js";
import { type PackedLines, type ParsedLine, parseLine, parsedRecord, unpackLines } from "./export-line.js";

export type ExportVerification = {
  ok: boolean;
  events: number;
  checkpoints: number;
  chains: ChainReport[];
  /** Problems of the file itself: unreadable lines, a missing end (a cut-off export). */
  problems: string[];
};

export type VerifyOptions = {
  onEvent?: () => void;
  /** Threads that parse and hash; default: up to 4 for a large file when running compiled, else none. */
  threads?: number;
};

export async function verifyExportFile(
  path: string,
  keys: ReadonlyMap<string, KeyObject>,
  opts: VerifyOptions = {},
): Promise<ExportVerification> {
  const verifier = new ChainVerifier(keys);
  const problems: string[] = [];
  let events = 0;
  let checkpoints = 0;
  const seen: { end: { events: number } | null } = { end: null };
  const take = (p: ParsedLine, where: string) => {
    if (p.kind === "blank") return;
    if (seen.end) problems.push(`${where}: content after the end of the export`);
    if (p.kind === "invalid") return void problems.push(`${where} cannot be read`);
    if (p.kind === "event") {
      events++;
      opts.onEvent?.();
      return verifier.linked(p.link, p.hashMatches);
    }
    const rec = p.rec;
    switch (rec.type) {
      case "checkpoint":
        checkpoints++;
        verifier.checkpoint(rec as unknown as Checkpoint);
        break;
      case "end":
        seen.end = { events: Number(rec.events ?? events) };
        break;
      case "export":
        break;
      default:
        problems.push(`${where}: unknown record type ${JSON.stringify(rec.type)}`);
    }
  };
  if (await looksLikeJsonl(path)) {
    const threads =
      opts.threads ?? (WORKER_URL && statSync(path).size > 8 << 20 ? Math.min(4, availableParallelism()) : 0);
    await eachJsonLine(path, threads, (p, n) => take(p, `line ${n}`));
  } else {
    for await (const [rec, where] of csvRecords(path, problems)) {
      take(parsedRecord(rec), where);
    }
  }
  if (!seen.end) problems.push("the export has no end record: it was cut off");
  else if (seen.end.events !== events) {
    problems.push(`the export says it holds ${seen.end.events} events, the file has ${events}`);
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

// Worker threads run compiled JavaScript only (not under ts-jest): without it, lines are handled in-thread.
const WORKER_URL = import.meta.url.endsWith(".js") ? new URL("./verify-worker.js", import.meta.url) : null;
const BATCH_LINES = 2000;

async function looksLikeJsonl(path: string): Promise<boolean> {
  const f = await open(path);
  try {
    const { buffer, bytesRead } = await f.read(Buffer.alloc(64), 0, 64, 0);
    return buffer.subarray(0, bytesRead).toString("utf8").trimStart().startsWith("{");
  } finally {
    await f.close();
  }
}

/**
 * Hands every line, parsed and hashed, to `each` in file order. Lines are read in large chunks; with
 * threads, batches of them are parsed and hashed on worker threads, and results applied in order.
 */
async function eachJsonLine(
  path: string,
  threads: number,
  each: (p: ParsedLine, n: number) => void,
): Promise<void> {
  let n = 0;
  const pool = threads > 0 && WORKER_URL ? new LinePool(WORKER_URL, threads, (p) => each(p, ++n)) : null;
  try {
    let rest = "";
    let batch: string[] = [];
    const flush = async () => {
      if (pool) await pool.submit(batch);
      else for (const line of batch) each(parseLine(line), ++n);
      batch = [];
    };
    for await (const chunk of createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 20 })) {
      const parts = (rest + (chunk as string)).split("\n");
      rest = parts.pop()!;
      for (const line of parts) {
        batch.push(line);
        if (batch.length === BATCH_LINES) await flush();
      }
    }
    if (rest) batch.push(rest);
    await flush();
    await pool?.drain();
  } finally {
    await pool?.close();
  }
}

/** Worker threads that parse and hash batches of lines; results come back to `each` in submission order. */
class LinePool {
  private readonly workers: Worker[];
  private next = 0;
  private applied = 0;
  private readonly done = new Map<number, PackedLines>();
  private waiting: (() => void) | null = null;
  private failure: Error | null = null;

  constructor(
    url: URL,
    size: number,
    private readonly each: (p: ParsedLine) => void,
  ) {
    this.workers = Array.from({ length: size }, () => {
      const w = new Worker(url);
      w.on("message", (m: { id: number; packed: PackedLines }) => {
        this.done.set(m.id, m.packed);
        while (this.done.has(this.applied)) {
          unpackLines(this.done.get(this.applied)!, this.each);
          this.done.delete(this.applied++);
        }
        this.wake();
      });
      w.on("error", (e) => {
        this.failure = e;
        this.wake();
      });
      return w;
    });
  }

  /** Queues a batch; waits while twice as many batches as threads are in flight. */
  async submit(lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    this.workers[this.next % this.workers.length]!.postMessage({ id: this.next++, lines });
    while (!this.failure && this.next - this.applied >= this.workers.length * 2) await this.sleep();
    if (this.failure) throw this.failure;
  }

  async drain(): Promise<void> {
    while (!this.failure && this.applied < this.next) await this.sleep();
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => (this.waiting = resolve));
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = null;
    w?.();
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
        signature: row.signature,
      };
    default:
      return { type: row.record };
  }
}
