// A run's output in run_log_chunk: raw bytes, contiguous offsets, small chunks batched. Past the cap only
// the last tailBytes are kept, stored at the end after a marker chunk of our own.
//
// Chunks are written by one statement at a time, in order, and whatever queued up while a statement ran
// goes into the next one: a flood of output costs one commit per few MB instead of one per chunk, and
// reading the output goes on while the database writes. Only past maxBufferedBytes does the producer wait.

import { StringDecoder } from "node:string_decoder";
import type { Db } from "../db/db.js";
import { type Nixops4Progress, type Nixops4Stream, ProgressParser } from "./nixops4-process.js";
import { sql, sqlTemplate } from "../db/named-sql.js";

export type RunLogOptions = {
  capBytes: number;
  tailBytes: number;
  /** A pending batch is written after this long at the latest. */
  flushMs?: number;
  /** Output of one stream is gathered into chunks (rows) of up to this size. */
  batchBytes?: number;
  /** Unwritten output past this makes the producer wait (write returns a promise). */
  maxBufferedBytes?: number;
  /** One statement writes at most this many bytes of chunks. */
  statementBytes?: number;
};

type Piece = { stream: Nixops4Stream; data: Buffer };
type Row = { seq: number; offset: number; stream: Nixops4Stream | "meta"; data: Buffer };

const OMITTED = sql("runs.log.omitted", `UPDATE run SET log_omitted_bytes = $2 WHERE id = $1`);

// One row per chunk: ($1, seq, offset, stream, data), numbered on.
const INSERT_CHUNKS = sqlTemplate<"rows">(
  "runs.log.insertChunks",
  `INSERT INTO run_log_chunk (run_id, seq, byte_offset, stream, data) VALUES {{rows}}`,
);

export class RunLogWriter {
  private seq = 0;
  private offset = 0;
  private accepted = 0;
  private pending: { stream: Nixops4Stream; parts: Buffer[]; size: number } | null = null;
  /** Rows waiting for a statement, and their bytes (plus those of the statement in flight). */
  private rows: Row[] = [];
  private unwritten = 0;
  private writing: Promise<void> | null = null;
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private failure: unknown = null;
  private readonly timer: NodeJS.Timeout;
  private truncated = false;
  private omitted = 0;
  private tail: Piece[] = [];
  private tailSize = 0;
  private closed = false;
  private readonly batchBytes: number;
  private readonly maxBufferedBytes: number;
  private readonly statementBytes: number;

  constructor(
    private readonly db: Db,
    private readonly runId: string,
    private readonly opts: RunLogOptions,
  ) {
    this.batchBytes = opts.batchBytes ?? 64 * 1024;
    this.maxBufferedBytes = Math.max(opts.maxBufferedBytes ?? 8 * 1024 * 1024, this.batchBytes);
    this.statementBytes = Math.max(opts.statementBytes ?? 4 * 1024 * 1024, this.batchBytes);
    this.timer = setInterval(() => this.flush(), opts.flushMs ?? 100);
  }

  /** Takes one chunk of output; the returned promise (if any) asks the producer to wait. */
  write(stream: Nixops4Stream, data: Buffer): void | Promise<void> {
    if (this.failure) throw this.failure;
    if (this.closed) throw new Error("run log is closed");
    let piece = data;
    if (!this.truncated && this.accepted + data.length > this.opts.capBytes) {
      const fit = this.opts.capBytes - this.accepted;
      piece = data.subarray(0, fit);
      this.truncated = true;
      this.keepTail(stream, data.subarray(fit));
    } else if (this.truncated) {
      this.keepTail(stream, data);
      return;
    }
    if (piece.length > 0) {
      if (this.pending && this.pending.stream !== stream) this.flush();
      this.pending ??= { stream, parts: [], size: 0 };
      this.pending.parts.push(piece);
      this.pending.size += piece.length;
      this.accepted += piece.length;
    }
    if (this.pending && this.pending.size >= this.batchBytes) this.flush();
    if (this.unwritten >= this.maxBufferedBytes) {
      return new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    }
  }

  /** Writes everything pending, the marker and the tail; rejects if any write failed. */
  async close(): Promise<{ storedBytes: number; omittedBytes: number }> {
    if (!this.closed) {
      this.closed = true;
      clearInterval(this.timer);
      this.flush();
      if (this.truncated) {
        const omitted = this.omitted - this.tailSize;
        const marker =
          `\n[fedicentral: the output exceeded ${this.opts.capBytes} bytes; ${omitted} bytes were not stored` +
          (this.tailSize > 0 ? `, the last ${this.tailSize} bytes follow]\n` : "]\n");
        this.enqueue("meta", Buffer.from(marker));
        let merged: Piece | null = null;
        for (const p of this.tail) {
          if (merged && merged.stream === p.stream) merged.data = Buffer.concat([merged.data, p.data]);
          else {
            if (merged) this.enqueue(merged.stream, merged.data);
            merged = { stream: p.stream, data: p.data };
          }
        }
        if (merged) this.enqueue(merged.stream, merged.data);
        this.tail = [];
      }
    }
    while (this.writing) await this.writing;
    if (this.failure) throw this.failure;
    if (this.truncated) {
      await this.db.query(OMITTED, [this.runId, this.omitted - this.tailSize]);
    }
    return { storedBytes: this.offset, omittedBytes: this.truncated ? this.omitted - this.tailSize : 0 };
  }

  private flush(): void {
    const p = this.pending;
    this.pending = null;
    if (p) this.enqueue(p.stream, p.parts.length === 1 ? (p.parts[0] as Buffer) : Buffer.concat(p.parts));
  }

  private enqueue(stream: Nixops4Stream | "meta", data: Buffer): void {
    this.rows.push({ seq: this.seq++, offset: this.offset, stream, data });
    this.offset += data.length;
    this.unwritten += data.length;
    this.startWriting();
  }

  private startWriting(): void {
    if (this.writing) return;
    this.writing = this.writeRows().finally(() => {
      this.writing = null;
      // A row queued after the last loop check (but before this) still needs its statement.
      if (this.rows.length > 0 && !this.failure) this.startWriting();
    });
  }

  /** One statement at a time, each taking every row queued so far (up to statementBytes). */
  private async writeRows(): Promise<void> {
    while (this.rows.length > 0 && !this.failure) {
      let bytes = 0;
      let n = 0;
      while (
        n < this.rows.length &&
        (n === 0 || bytes + (this.rows[n] as Row).data.length <= this.statementBytes)
      )
        bytes += (this.rows[n++] as Row).data.length;
      const batch = this.rows.splice(0, n);
      const params: unknown[] = [this.runId];
      const values = batch.map((r) => {
        params.push(r.seq, r.offset, r.stream, r.data);
        const i = params.length;
        return `($1, $${i - 3}, $${i - 2}, $${i - 1}, $${i})`;
      });
      try {
        await this.db.query(INSERT_CHUNKS.fill({ rows: values.join(", ") }), params);
      } catch (e) {
        // The first failure stops all later writes: a gap in the log would be worse than its end.
        this.failure = e;
        this.rows = [];
      }
      this.unwritten -= bytes;
      this.release();
    }
  }

  private release(): void {
    if (!this.failure && this.unwritten >= this.maxBufferedBytes / 2) return;
    for (const w of this.waiters.splice(0)) {
      if (this.failure) w.reject(this.failure);
      else w.resolve();
    }
  }

  private keepTail(stream: Nixops4Stream, data: Buffer): void {
    if (data.length === 0) return;
    this.omitted += data.length;
    if (this.opts.tailBytes === 0) return;
    this.tail.push({ stream, data });
    this.tailSize += data.length;
    while (
      this.tail.length > 1 &&
      this.tailSize - (this.tail[0] as Piece).data.length >= this.opts.tailBytes
    ) {
      this.tailSize -= (this.tail.shift() as Piece).data.length;
    }
    const first = this.tail[0] as Piece;
    if (this.tailSize > this.opts.tailBytes) {
      const drop = this.tailSize - this.opts.tailBytes;
      // A copy, so that the tail does not pin a large chunk in memory.
      first.data = Buffer.from(first.data.subarray(drop));
      this.tailSize -= drop;
    }
  }
}

export type RunLogSlice = { bytes: Buffer; fromOffset: number; nextOffset: number; size: number };

const SLICE = sql(
  "runs.log.slice",
  `SELECT byte_offset AS "offset", data FROM run_log_chunk
        WHERE run_id = $1 AND byte_offset < $3 AND byte_offset + octet_length(data) > $2 ORDER BY seq`,
);
const SIZE = sql(
  "runs.log.size",
  `SELECT coalesce(max(byte_offset + octet_length(data)), 0) AS size FROM run_log_chunk WHERE run_id = $1`,
);

/** Up to limit bytes of the stored log from fromOffset on. */
export async function readRunLog(
  db: Db,
  runId: string,
  fromOffset: number,
  limit: number,
): Promise<RunLogSlice> {
  const end = fromOffset + limit;
  const [rows, sizeRows] = await Promise.all([
    db.query<{ offset: string; data: Buffer }>(SLICE, [runId, fromOffset, end]),
    db.query<{ size: string }>(SIZE, [runId]),
  ]);
  const parts: Buffer[] = [];
  for (const r of rows) {
    const start = Number(r.offset);
    const from = Math.max(0, fromOffset - start);
    const to = Math.min(r.data.length, end - start);
    parts.push(r.data.subarray(from, to));
  }
  const bytes = Buffer.concat(parts);
  return { bytes, fromOffset, nextOffset: fromOffset + bytes.length, size: Number(sizeRows[0]?.size ?? 0) };
}

// Rows of the stored stderr read per statement while reading progress: about 1 MiB (chunks are up to 64 KiB).
const PROGRESS_PAGE_ROWS = 16;

const STDERR_PAGE = sql(
  "runs.log.stderrPage",
  `SELECT seq, data FROM run_log_chunk WHERE run_id = $1 AND stream = 'stderr' AND seq > $2
        ORDER BY seq LIMIT ${PROGRESS_PAGE_ROWS}`,
);

/**
 * The progress lines in the stored stderr; a finished run's last line counts even without a newline.
 * The log (up to RUN_LOG_CAP_BYTES) is read a page of chunks at a time, never held whole in memory.
 */
export async function readRunProgress(db: Db, runId: string, finished: boolean): Promise<Nixops4Progress> {
  const parser = new ProgressParser();
  const decoder = new StringDecoder("utf8");
  let partial = "";
  const feed = (text: string) => {
    const lines = (partial + text).split("\n");
    partial = lines.pop() as string;
    for (const line of lines) parser.line(line);
  };
  for (let after = -1; ;) {
    const rows = await db.query<{ seq: number; data: Buffer }>(STDERR_PAGE, [runId, after]);
    for (const r of rows) feed(decoder.write(r.data));
    if (rows.length < PROGRESS_PAGE_ROWS) break;
    after = Number((rows.at(-1) as { seq: number }).seq);
  }
  feed(decoder.end());
  if (finished && partial) parser.line(partial);
  return parser.progress();
}
