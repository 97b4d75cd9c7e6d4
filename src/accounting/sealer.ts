// The sealer links committed events into their hash chains, many per transaction.
//
// Linking inside each writer's own transaction would hold the chain's lock until that transaction
// commits: measured here with 16 writers on one chain, 200-250 commits/s against ~1,500 for the plain
// insert. So writers only insert the event (it exists iff their change commits), and the sealer assigns
// sequence numbers and hashes afterwards, in one transaction per batch.
//
// Which events are final: every event carries its writing transaction's id. Once no transaction of this
// database below a bound is still running, no event below the bound can still appear, so events are
// sealed in (transaction id, event id) order up to that bound and a cursor remembers how far. Only
// transactions of this database count (a long one elsewhere on the server does not hold sealing back),
// where the role may see them all (a superuser or pg_read_all_stats; grant it to the service's role).

import type { DataSource } from "typeorm";
import { type Db, dbOf } from "../db/db.js";
import { GENESIS_HASH, type SealedEvent, eventHash } from "./chain.js";
import { CHAIN_OF_EVENT, EVENT_DOC_COLUMNS, isoMicros } from "./event-sql.js";
import { sql, sqlTemplate } from "../db/named-sql.js";
import { inTransaction } from "../db/transaction.js";

export const DEFAULT_SEAL_BATCH = 2000;

const PENDING = sql(
  "accounting.sealer.pending",
  `SELECT EXISTS (SELECT 1 FROM accounting_seal_cursor c,
                           (SELECT xact_id, id FROM accounting_event ORDER BY xact_id DESC, id DESC LIMIT 1) e
                     WHERE c.id = 1 AND (e.xact_id, e.id) > (c.xact_id, c.event_id)) AS any`,
);

/**
 * Seals every event that is final now, in batches; returns how many it sealed. Returns 0 at once when
 * another sealer (any process) is at work: its row lock on the cursor says so.
 */
export async function sealPending(ds: DataSource, batchSize = DEFAULT_SEAL_BATCH): Promise<number> {
  // The common case, nothing new, costs one cheap query and no transaction.
  // (Against the newest event only: "any event past the cursor" would make PostgreSQL scan them all.)
  const [pending] = await dbOf(ds).query<{ any: boolean }>(PENDING);
  if (!pending?.any) return 0;
  let total = 0;
  for (;;) {
    const n = await inTransaction(ds, (tx) => sealBatch(dbOf(tx), batchSize));
    if (n === null) return total;
    total += n;
    if (n < batchSize) return total;
  }
}

type Row = Omit<SealedEvent, "seq" | "prevHash" | "hash"> & {
  xactId: string;
  headSeq: string | null;
  headHash: string | null;
};

const CURSOR = sql(
  "accounting.sealer.cursor",
  `SELECT c.xact_id::text AS "xactId", c.event_id::text AS "eventId",
            pg_snapshot_xmin(s)::text AS xmin, pg_snapshot_xmax(s)::text AS xmax,
            (SELECT rolsuper OR pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER')
               FROM pg_roles WHERE rolname = current_user) AS "seesAll"
       FROM accounting_seal_cursor c, pg_current_snapshot() s
      WHERE c.id = 1 FOR UPDATE OF c SKIP LOCKED`,
);
const SEAL = sql(
  "accounting.sealer.seal",
  `WITH seals AS (
       INSERT INTO accounting_seal (event_id, chain, seq, prev_hash, hash)
       SELECT e, c, s, p, h FROM json_to_recordset($1::json) AS t(e bigint, c text, s bigint, p text, h text)),
     heads AS (
       INSERT INTO accounting_chain (chain, seq, head_hash, updated_at)
       SELECT c, s, h, now() FROM json_to_recordset($2::json) AS t(c text, s bigint, h text)
       ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, head_hash = excluded.head_hash, updated_at = now())
     UPDATE accounting_seal_cursor SET xact_id = $3::bigint, event_id = $4::bigint, updated_at = now() WHERE id = 1`,
);

const BATCH = sqlTemplate<"limit">(
  "accounting.sealer.batch",
  `SELECT ${EVENT_DOC_COLUMNS}, ${CHAIN_OF_EVENT} AS chain, e.xact_id::text AS "xactId",
            h.seq::text AS "headSeq", h.head_hash AS "headHash"
       FROM (SELECT * FROM accounting_event e
              WHERE (e.xact_id, e.id) > ($1::bigint, $2::bigint) AND e.xact_id < $3::bigint
              ORDER BY e.xact_id, e.id LIMIT {{limit}}) e
       LEFT JOIN accounting_chain h ON h.chain = ${CHAIN_OF_EVENT}
      ORDER BY e.xact_id, e.id`,
);

async function sealBatch(db: Db, limit: number): Promise<number | null> {
  // The snapshot is taken with the lock, before pg_stat_activity is read (see finalBound).
  const [cursor] = await db.query<Cursor>(CURSOR);
  if (!cursor) return null;
  const bound = await finalBound(db, cursor);
  // Each event comes with its chain's head as it stands before this batch.
  const rows = await db.query<Row>(BATCH.fill({ limit: String(Number(limit)) }), [
    cursor.xactId,
    cursor.eventId,
    bound,
  ]);
  if (rows.length === 0) return 0;

  const heads = new Map<string, { seq: number; hash: string }>();
  const seals: { e: string; c: string; s: number; p: string; h: string }[] = [];
  for (const r of rows) {
    const { xactId: _x, headSeq, headHash, ...doc } = r;
    const head = heads.get(r.chain) ?? { seq: Number(headSeq ?? 0), hash: headHash ?? GENESIS_HASH };
    const seq = head.seq + 1;
    const hash = eventHash({ ...doc, seq, prevHash: head.hash });
    seals.push({ e: r.id, c: r.chain, s: seq, p: head.hash, h: hash });
    heads.set(r.chain, { seq, hash });
  }
  const last = rows[rows.length - 1]!;
  // One statement writes the seals, moves the heads and the cursor. The seals go as one JSON parameter:
  // node-pg's array literals cost more than the rest of the batch.
  await db.query(SEAL, [
    JSON.stringify(seals),
    JSON.stringify([...heads].map(([c, h]) => ({ c, s: h.seq, h: h.hash }))),
    last.xactId,
    last.id,
  ]);
  return rows.length;
}

type Cursor = { xactId: string; eventId: string; xmin: string; xmax: string; seesAll: boolean };

const RUNNING_XIDS = sql(
  "accounting.sealer.runningXids",
  `SELECT backend_xid::text AS xid FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL`,
);

/**
 * A transaction id below which every transaction of this database has ended. The snapshot comes first
 * (taken with the cursor): a transaction given an id after it gets one at or above its xmax.
 * pg_stat_activity is read after it, and (as the first read of it in this transaction) freshly. A role
 * that cannot see other roles' transactions there takes the snapshot's xmin instead: every transaction
 * of the server, later but safe.
 */
async function finalBound(db: Db, snap: Cursor): Promise<string> {
  if (!snap.seesAll) return snap.xmin;
  const running = await db.query<{ xid: string }>(RUNNING_XIDS);
  const xmax = BigInt(snap.xmax);
  let bound = xmax;
  for (const r of running) {
    const full = fullXid(BigInt(r.xid), xmax);
    if (full < bound) bound = full;
  }
  return String(bound);
}

/** pg_stat_activity shows 32-bit xids; a running one lies within 2^31 of the 64-bit xmax, either side. */
function fullXid(xid32: bigint, xmax: bigint): bigint {
  let d = (xid32 - (xmax & 0xffffffffn)) & 0xffffffffn;
  if (d >= 1n << 31n) d -= 1n << 32n;
  return xmax + d;
}

const CURSOR_POSITION = sql(
  "accounting.sealer.cursorPosition",
  `SELECT xact_id::text AS "xactId", event_id::text AS "eventId" FROM accounting_seal_cursor WHERE id = 1`,
);

const UNSEALED = sqlTemplate<"chain">(
  "accounting.sealer.unsealed",
  `SELECT ${CHAIN_OF_EVENT} AS chain, count(*)::int AS count, ${isoMicros("min(e.occurred_at)")} AS oldest
       FROM accounting_event e
      WHERE (e.xact_id, e.id) > ($1::bigint, $2::bigint) {{chain}}
      GROUP BY 1`,
);
const OF_CHAIN = `AND ${CHAIN_OF_EVENT} = $3`;

/** Events not sealed yet, per chain, with the oldest one's time: verification reports long waits. */
export async function unsealedEvents(
  db: Db,
  chain: string | null,
): Promise<{ chain: string; count: number; oldest: string }[]> {
  // The cursor as parameters, so that PostgreSQL plans the range scan over the (xact_id, id) index.
  const [c] = await db.query<{ xactId: string; eventId: string }>(CURSOR_POSITION);
  if (!c) return [];
  return db.query(
    UNSEALED.fill({ chain: chain === null ? "" : OF_CHAIN }),
    chain === null ? [c.xactId, c.eventId] : [c.xactId, c.eventId, chain],
  );
}
