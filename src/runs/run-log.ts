// A run's output in run_log_chunk: raw bytes, contiguous offsets, small chunks batched. Past the cap only
// the last tailBytes are kept, stored at the end after a marker chunk of our own.

import type { Db } from "../db/db.js";
import { type Nixops4Progress, type Nixops4Stream, parseProgress } from "./nixops4-process.js";

export type RunLogOptions = {
  capBytes: number;
  tailBytes: number;
  /** A pending batch is written after this long at the latest. */
  flushMs?: number;
  /** A batch this big is written at once, and the output waits for it. */
  batchBytes?: number;
};

type Piece = { stream: Nixops4Stream; data: Buffer };

export class RunLogWriter {
  private seq = 0;
  private offset = 0;
  private accepted = 0;
  private pending: { stream: Nixops4Stream; parts: Buffer[]; size: number } | null = null;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private readonly timer: NodeJS.Timeout;
  private truncated = false;
  private omitted = 0;
  private tail: Piece[] = [];
  private tailSize = 0;
  private closed = false;
  private readonly batchBytes: number;

  constructor(
    private readonly db: Db,
    private readonly runId: string,
    private readonly opts: RunLogOptions,
  ) {
    this.batchBytes = opts.batchBytes ?? 64 * 1024;
    this.timer = setInterval(() => void this.flush().catch(() => undefined), opts.flushMs ?? 100);
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
      if (this.pending && this.pending.stream !== stream) void this.flush().catch(() => undefined);
      this.pending ??= { stream, parts: [], size: 0 };
      this.pending.parts.push(piece);
      this.pending.size += piece.length;
      this.accepted += piece.length;
    }
    if (this.pending && this.pending.size >= this.batchBytes) return this.flush();
  }

  /** Writes everything pending, the marker and the tail; rejects if any write failed. */
  async close(): Promise<{ storedBytes: number; omittedBytes: number }> {
    if (!this.closed) {
      this.closed = true;
      clearInterval(this.timer);
      void this.flush().catch(() => undefined);
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
        this.chain = this.chain.then(async () => {
          if (this.failure) return;
          await this.db.query(`UPDATE run SET log_omitted_bytes = $2 WHERE id = $1`, [this.runId, omitted]);
        });
      }
    }
    await this.chain;
    if (this.failure) throw this.failure;
    return { storedBytes: this.offset, omittedBytes: this.truncated ? this.omitted - this.tailSize : 0 };
  }

  private flush(): Promise<void> {
    const p = this.pending;
    this.pending = null;
    if (p) this.enqueue(p.stream, p.parts.length === 1 ? (p.parts[0] as Buffer) : Buffer.concat(p.parts));
    return this.chain.then(() => {
      if (this.failure) throw this.failure;
    });
  }

  private enqueue(stream: Nixops4Stream | "meta", data: Buffer): void {
    const seq = this.seq++;
    const offset = this.offset;
    this.offset += data.length;
    // One statement per chunk, strictly in order; the first failure stops all later writes.
    this.chain = this.chain.then(async () => {
      if (this.failure) return;
      try {
        await this.db.query(
          `INSERT INTO run_log_chunk (run_id, seq, byte_offset, stream, data) VALUES ($1, $2, $3, $4, $5)`,
          [this.runId, seq, offset, stream, data],
        );
      } catch (e) {
        this.failure = e;
      }
    });
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

/** Up to limit bytes of the stored log from fromOffset on. */
export async function readRunLog(
  db: Db,
  runId: string,
  fromOffset: number,
  limit: number,
): Promise<RunLogSlice> {
  const end = fromOffset + limit;
  const [rows, sizeRows] = await Promise.all([
    db.query<{ offset: string; data: Buffer }>(
      `SELECT byte_offset AS "offset", data FROM run_log_chunk
        WHERE run_id = $1 AND byte_offset < $3 AND byte_offset + octet_length(data) > $2 ORDER BY seq`,
      [runId, fromOffset, end],
    ),
    db.query<{ size: string }>(
      `SELECT coalesce(max(byte_offset + octet_length(data)), 0) AS size FROM run_log_chunk WHERE run_id = $1`,
      [runId],
    ),
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

/** The progress lines in the stored stderr; a finished run's last line counts even without a newline. */
export async function readRunProgress(db: Db, runId: string, finished: boolean): Promise<Nixops4Progress> {
  const rows = await db.query<{ data: Buffer }>(
    `SELECT data FROM run_log_chunk WHERE run_id = $1 AND stream = 'stderr' ORDER BY seq`,
    [runId],
  );
  const text = Buffer.concat(rows.map((r) => r.data)).toString("utf8");
  return parseProgress(finished ? `${text}\n` : text);
}
