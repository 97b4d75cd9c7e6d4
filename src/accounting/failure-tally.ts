import type { DataSource } from "typeorm";
import type { Caller } from "../common/caller.js";
import { EVENT_LIMITS as MAX, capText } from "./event-limits.js";
import { OTHER_SOURCES, clientAddress, sourceSql } from "./failure-source.js";
import { type FailureTallyConfig, failureTallyConfigOf } from "./failure-tally-config.js";
import { recordEvent } from "./record-event.js";
import { isRecording } from "./recording.js";
import { sql } from "../db/named-sql.js";
import { inTransaction } from "../db/transaction.js";

/** A failure an unauthenticated client can cause: provider-wide, its reason one of a few fixed texts. */
export type Failure = { action: string; targetKind: string; targetId: string | null; reason: string };

// The window of the database's clock (several processes count into the same windows), in $6 seconds.
const WINDOW = `to_timestamp(floor(extract(epoch FROM clock_timestamp()) / $6::int) * $6::int)`;
const KEY = `source = ${sourceSql("$1")} AND action = $2 AND target_kind = $3 AND target_id = $4 AND reason = $5`;
// Past 2^31 attempts a tally stops counting rather than failing the request.
const PLUS_ONE = `LEAST(attempts, 2147483646) + 1`;

const COUNT = sql(
  "accounting.failureTally.count",
  `UPDATE accounting_failure_tally SET attempts = ${PLUS_ONE} WHERE window_start = ${WINDOW} AND ${KEY}`,
);
const LOCK = sql(
  "accounting.failureTally.lock",
  `SELECT pg_advisory_xact_lock(hashtext('accounting_failure_tally'))`,
);
const FAILURE_TALLY_INSERT = sql(
  "accounting.failureTally.insert",
  `WITH w AS (SELECT ${WINDOW} AS start),
              own AS (SELECT EXISTS (SELECT 1 FROM accounting_failure_tally, w WHERE window_start = w.start AND ${KEY})
                          OR (SELECT count(*) FROM accounting_failure_tally, w
                               WHERE window_start = w.start AND source <> '${OTHER_SOURCES}') < $7 AS yes)
         INSERT INTO accounting_failure_tally AS t
                (window_start, window_end, source, action, target_kind, target_id, reason, user_agent, request_id)
         SELECT w.start, w.start + make_interval(secs => $6::int),
                CASE WHEN own.yes THEN ${sourceSql("$1")} ELSE '${OTHER_SOURCES}' END,
                $2, $3, CASE WHEN own.yes THEN $4 ELSE '' END, $5, $8, $9
           FROM w, own
         ON CONFLICT (window_start, source, action, target_kind, target_id, reason)
         DO UPDATE SET attempts = LEAST(t.attempts, 2147483646) + 1`,
);

/**
 * Failures recorded in bounded form. An anonymous caller's attempts are counted in a failure tally (per
 * window, source and failure) that becomes one event when its window closes (failure-tally-flush.ts), so
 * nothing an unauthenticated client sends adds more than a fixed number of events per window; a known
 * principal's failure is written at once, as any event.
 */
export class FailureTallies {
  constructor(
    private readonly ds: DataSource,
    private readonly config: FailureTallyConfig = failureTallyConfigOf(),
  ) {}

  async record(caller: Caller, f: Failure): Promise<void> {
    if (!isRecording()) return;
    if (caller.principal || caller.systemActor !== undefined) {
      await recordEvent(this.ds.manager, caller, { ...f, operatorId: null, outcome: "failure" });
      return;
    }
    const params = [
      clientAddress(caller.client.ip),
      capText(f.action, MAX.action),
      capText(f.targetKind, MAX.targetKind),
      capText(f.targetId ?? "", MAX.targetId),
      capText(f.reason, MAX.reason),
      this.config.windowSeconds,
    ];
    // The common case under a flood, a source counted already, is one UPDATE without any lock.
    const [, counted]: [unknown, number] = await this.ds.query(COUNT, params);
    if (counted > 0) return;
    await inTransaction(this.ds, async (tx) => {
      // New tallies are made one at a time across processes, so the cap on sources holds exactly.
      await tx.query(LOCK);
      await tx.query(FAILURE_TALLY_INSERT, [
        ...params,
        this.config.sources,
        capText(caller.client.userAgent, MAX.userAgent),
        capText(caller.requestId || null, MAX.requestId),
      ]);
    });
  }
}
