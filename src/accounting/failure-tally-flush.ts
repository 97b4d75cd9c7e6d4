import type { DataSource } from "typeorm";
import type { Caller } from "../common/caller.js";
import { OTHER_SOURCES, UNKNOWN_SOURCE } from "./failure-source.js";
import { sql } from "../db/named-sql.js";
import { recordEvent } from "./record-event.js";
import { inTransaction } from "../db/transaction.js";

// A window is emitted this long after it closed: counting is one short statement, done well before.
const CLOSE_GRACE_SECONDS = 2;

type Tally = {
  windowStart: Date;
  windowEnd: Date;
  source: string;
  action: string;
  targetKind: string;
  targetId: string;
  reason: string;
  attempts: number;
  userAgent: string | null;
  requestId: string | null;
};

const CUTOFF = `COALESCE($1::timestamptz, now() - make_interval(secs => ${CLOSE_GRACE_SECONDS}))`;
const ANY_CLOSED = sql(
  "accounting.failureTally.anyClosed",
  `SELECT EXISTS (SELECT 1 FROM accounting_failure_tally WHERE window_end <= ${CUTOFF}) AS any`,
);
const TAKE_CLOSED = sql(
  "accounting.failureTally.takeClosed",
  `DELETE FROM accounting_failure_tally WHERE window_end <= ${CUTOFF}
       RETURNING window_start AS "windowStart", window_end AS "windowEnd", source, action,
                 target_kind AS "targetKind", target_id AS "targetId", reason, attempts,
                 user_agent AS "userAgent", request_id AS "requestId"`,
);

/**
 * Turns every failure tally whose window has closed (or closed by `closedBy`) into one accounting event
 * carrying its count, deleting it in the same transaction: of several processes doing this at once, the
 * one whose DELETE takes a row emits it, the others find it gone. Returns how many it emitted.
 */
export async function emitClosedTallies(ds: DataSource, opts: { closedBy?: Date } = {}): Promise<number> {
  // The common case, nothing due, costs one indexed read and no transaction.
  const [due]: { any: boolean }[] = await ds.query(ANY_CLOSED, [opts.closedBy ?? null]);
  if (!due?.any) return 0;
  return inTransaction(ds, async (tx) => {
    // TypeORM answers a DELETE … RETURNING with [rows, count].
    const [tallies]: [Tally[], number] = await tx.query(TAKE_CLOSED, [opts.closedBy ?? null]);
    tallies.sort((a, b) => a.windowStart.getTime() - b.windowStart.getTime() || order(a, b));
    for (const t of tallies) {
      await recordEvent(tx, callerOf(t), {
        action: t.action,
        outcome: "failure",
        targetKind: t.targetKind,
        targetId: t.targetId || null,
        operatorId: null,
        reason: summary(t),
        attempts: t.attempts,
      });
    }
    return tallies.length;
  });
}

const order = (a: Tally, b: Tally) =>
  `${a.action}\0${a.reason}\0${a.source}\0${a.targetId}`.localeCompare(
    `${b.action}\0${b.reason}\0${b.source}\0${b.targetId}`,
  );

const callerOf = (t: Tally): Caller => ({
  requestId: t.requestId ?? "",
  principal: null,
  client: {
    ip: t.source === OTHER_SOURCES || t.source === UNKNOWN_SOURCE ? null : t.source,
    userAgent: t.userAgent,
  },
});

/** "bad webhook signature: 600 attempts from 192.0.2.7 in the 60 s after 2026-…Z". */
function summary(t: Tally): string {
  const seconds = Math.round((t.windowEnd.getTime() - t.windowStart.getTime()) / 1000);
  const attempts = t.attempts === 1 ? "1 attempt" : `${t.attempts} attempts`;
  return `${t.reason}: ${attempts} from ${t.source} in the ${seconds} s after ${t.windowStart.toISOString()}`;
}
