// The live view of one run: its state changes and its log, as a stream that any server process can serve.
// The tables are the source of truth. A notification (or, as a safety net, a slow poll) only says "look
// again"; the stream then reads the run's row and the chunks after the last byte it delivered. A client
// that reconnects with the offset it got to therefore receives every byte once and in order.

import { Repeater } from "@repeaterjs/repeater";
import { badInput } from "../common/errors.js";
import type { Db } from "../db/db.js";
import type { Notifications } from "../db/notifications.js";
import { RUN_CHANNEL, RUN_LOG_CHANNEL } from "./run-channels.js";
import { type RunState, isTerminal } from "./run-state.js";
import { RUN_COLUMNS } from "./run.loaders.js";
import { type Run, toRun } from "./run.types.js";
import { sql } from "../db/named-sql.js";

export type RunLogChunkEvent = {
  kind: "log";
  /** Where the bytes start in the run's stored log. */
  offset: number;
  nextOffset: number;
  stream: "stdout" | "stderr" | "meta";
  /** The bytes in base64, as PostgreSQL encoded them: a log goes out without passing through a Buffer. */
  base64: string;
};

export type RunStateEvent = { kind: "state"; state: RunState; run: Run };

export type RunEvent = RunLogChunkEvent | RunStateEvent;

export type RunEventsOptions = {
  /** Chunks read per statement (a chunk is at most about 64 KiB). */
  pageChunks?: number;
  /** Stored chunks of one stream that follow each other go out as one event of up to this size. */
  maxEventBytes?: number;
  /** Looks again this often even without a notification, in case one was lost. */
  fallbackPollMs?: number;
};

type ChunkRow = {
  seq: number;
  offset: string;
  stream: RunLogChunkEvent["stream"];
  size: number;
  base64: string;
};

// Encoded after the LIMIT: in the target list of the paged query PostgreSQL may encode every later
// chunk of the run before a top-N sort keeps sixteen of them.
const CHUNKS_SQL = sql(
  "runs.events.chunks",
  `SELECT seq, "offset", stream, length(data) AS size, encode(data, 'base64') AS base64
  FROM (SELECT seq, byte_offset AS "offset", stream, data FROM run_log_chunk
         WHERE run_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3) c
  ORDER BY seq`,
);

const RUN = sql("runs.events.run", `SELECT ${RUN_COLUMNS} FROM run t WHERE t.id = $1`);
const FIRST_SEQ = sql(
  "runs.events.firstSeq",
  `SELECT seq FROM run_log_chunk WHERE run_id = $1 AND byte_offset <= $2 ORDER BY seq DESC LIMIT 1`,
);

/** Serves runEvents subscriptions from the database and the process's notification connection. */
export class RunEventSource {
  private readonly pageChunks: number;
  private readonly maxEventBytes: number;
  private readonly fallbackPollMs: number;

  constructor(
    private readonly db: Db,
    private readonly notifications: Notifications,
    opts: RunEventsOptions = {},
  ) {
    this.pageChunks = opts.pageChunks ?? 16;
    this.maxEventBytes = opts.maxEventBytes ?? 512 * 1024;
    this.fallbackPollMs = opts.fallbackPollMs ?? 5000;
  }

  /**
   * The run's current state first, then its log from fromOffset on and every state change, in the
   * order they happened; ends after the final state, once every stored byte was delivered.
   */
  async subscribe(runId: string, fromOffset: number): Promise<AsyncIterable<RunEvent>> {
    if (!Number.isInteger(fromOffset) || fromOffset < 0)
      throw badInput("fromOffset", "fromOffset must be a non-negative integer");
    // Listening before the first read: anything committed after that read is announced to us.
    await Promise.all([this.notifications.ready(RUN_CHANNEL), this.notifications.ready(RUN_LOG_CHANNEL)]);
    return this.stream(runId, fromOffset);
  }

  private stream(runId: string, fromOffset: number): AsyncIterable<RunEvent> {
    return new Repeater<RunEvent>(async (push, stop) => {
      let dirty: boolean;
      let wake: (() => void) | null = null;
      const poke = () => {
        dirty = true;
        wake?.();
      };
      // Payloads are JSON with the run id in them; a substring test spares parsing everyone else's.
      const mine = (payload: string) => {
        if (payload.includes(runId)) poke();
      };
      const offs = [
        this.notifications.on(RUN_CHANNEL, mine),
        this.notifications.on(RUN_LOG_CHANNEL, mine),
        this.notifications.onReconnect(poke),
      ];
      let stopped = false;
      void stop.then(() => {
        stopped = true;
        wake?.();
      });
      try {
        let offset = fromOffset;
        let nextSeq = await this.firstSeq(runId, fromOffset);
        let sent: RunState | null = null;
        while (!stopped) {
          dirty = false;
          // The state first: a run's last chunk is stored before it ends, so after reading an end state
          // the chunks read next are all there is.
          const run = await this.loadRun(runId);
          if (!run) break;
          const state = run.state as RunState;
          if (state !== sent && !isTerminal(state)) {
            sent = state;
            await push({ kind: "state", state, run });
          }
          for (;;) {
            const rows = await this.db.query<ChunkRow>(CHUNKS_SQL, [runId, nextSeq, this.pageChunks]);
            // A backlog (a late subscriber, a flood) goes out in fewer, larger events.
            let event: {
              start: number;
              stream: RunLogChunkEvent["stream"];
              parts: string[];
              sizes: number[];
              size: number;
            } | null = null;
            const send = async () => {
              if (!event || stopped) return;
              const { start, stream, parts, sizes, size } = event;
              event = null;
              await push({
                kind: "log",
                offset: start,
                nextOffset: start + size,
                stream,
                base64: joinBase64(parts, sizes),
              });
            };
            for (const row of rows) {
              nextSeq = row.seq + 1;
              const start = Number(row.offset);
              const end = start + row.size;
              if (end <= offset) continue;
              const from = Math.max(0, offset - start);
              // A resumed subscription may start inside a chunk: only that one is cut, in bytes.
              // PostgreSQL's base64 breaks lines every 76 characters; clients get it in one piece.
              const base64 =
                from > 0
                  ? Buffer.from(row.base64, "base64").subarray(from).toString("base64")
                  : row.base64.replaceAll("\n", "");
              const size = row.size - from;
              offset = end;
              if (event && (event.stream !== row.stream || event.size + size > this.maxEventBytes))
                await send();
              event ??= { start: start + from, stream: row.stream, parts: [], sizes: [], size: 0 };
              event.parts.push(base64);
              event.sizes.push(size);
              event.size += size;
            }
            await send();
            if (rows.length < this.pageChunks || stopped) break;
          }
          if (isTerminal(state)) {
            if (!stopped) await push({ kind: "state", state, run });
            break;
          }
          if (!dirty && !stopped) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, this.fallbackPollMs);
              wake = () => {
                clearTimeout(timer);
                resolve();
              };
            });
            wake = null;
          }
        }
      } finally {
        for (const off of offs) off();
      }
      stop();
    });
  }

  private async loadRun(runId: string): Promise<Run | null> {
    const [row] = await this.db.query(RUN, [runId]);
    return row ? toRun(row) : null;
  }

  /** The chunk that holds byte fromOffset, or the last one before it (seq 0 for an empty log). */
  private async firstSeq(runId: string, fromOffset: number): Promise<number> {
    const [row] = await this.db.query<{ seq: number }>(FIRST_SEQ, [runId, fromOffset]);
    return row?.seq ?? 0;
  }
}

/**
 * The base64 of chunks one after the other. Pieces join as text when each but the last is a multiple of
 * 3 bytes (no padding inside); otherwise the bytes are joined and encoded again.
 */
function joinBase64(parts: string[], sizes: number[]): string {
  if (sizes.slice(0, -1).every((n) => n % 3 === 0)) return parts.join("");
  return Buffer.concat(parts.map((p) => Buffer.from(p, "base64"))).toString("base64");
}
