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

export const DEFAULT_SEAL_BATCH = 2000;

/**
 * Seals every event that is final now, in batches; returns how many it sealed. Returns 0 at once when
 * another sealer (any process) is at work: its row lock on the cursor says so.
 */
export async function sealPending(ds: DataSource, batchSize = DEFAULT_SEAL_BATCH): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await ds.transaction((tx) => sealBatch(dbOf(tx), batchSize));
    if (n === null) return total;
    total += n;
    if (n < batchSize) return total;
  }
}

type Row = Omit<SealedEvent, "seq" | "prevHash" | "hash"> & { xactId: string };

async function sealBatch(db: Db, limit: number): Promise<number | null> {
  const [cursor] = await db.query<{ xactId: string; eventId: string }>(
    `SELECT xact_id::text AS "xactId", event_id::text AS "eventId" FROM accounting_seal_cursor
      WHERE id = 1 FOR UPDATE SKIP LOCKED`,
  );
  if (!cursor) return null;
  const bound = await finalBound(db);
  const rows = await db.query<Row>(
    `SELECT ${EVENT_DOC_COLUMNS}, ${CHAIN_OF_EVENT} AS chain, e.xact_id::text AS "xactId" FROM accounting_event e
      WHERE (e.xact_id, e.id) > ($1::bigint, $2::bigint) AND e.xact_id < $3::bigint
      ORDER BY e.xact_id, e.id LIMIT ${Number(limit)}`,
    [cursor.xactId, cursor.eventId, bound],
  );
  if (rows.length === 0) return 0;

  const chains = [...new Set(rows.map((r) => r.chain))];
  const heads = new Map<string, { seq: number; hash: string }>();
  for (const h of await db.query<{ chain: string; seq: string; hash: string }>(
    `SELECT chain, seq::text AS seq, head_hash AS hash FROM accounting_chain WHERE chain = ANY($1::text[])`,
    [chains],
  )) {
    heads.set(h.chain, { seq: Number(h.seq), hash: h.hash });
  }
  const seals: { e: string; c: string; s: number; p: string; h: string }[] = [];
  for (const r of rows) {
    const head = heads.get(r.chain) ?? { seq: 0, hash: GENESIS_HASH };
    const { xactId: _, ...doc } = r;
    const seq = head.seq + 1;
    const hash = eventHash({ ...doc, seq, prevHash: head.hash });
    seals.push({ e: r.id, c: r.chain, s: seq, p: head.hash, h: hash });
    heads.set(r.chain, { seq, hash });
  }
  // One JSON parameter: node-pg's array literals cost more than the rest of the batch.
  await db.query(
    `INSERT INTO accounting_seal (event_id, chain, seq, prev_hash, hash)
     SELECT e, c, s, p, h FROM json_to_recordset($1::json) AS t(e bigint, c text, s bigint, p text, h text)`,
    [JSON.stringify(seals)],
  );
  const moved = [...heads.entries()];
  await db.query(
    `INSERT INTO accounting_chain (chain, seq, head_hash, updated_at)
     SELECT c, s, h, now() FROM unnest($1::text[], $2::bigint[], $3::text[]) AS t(c, s, h)
     ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, head_hash = excluded.head_hash, updated_at = now()`,
    [moved.map(([c]) => c), moved.map(([, h]) => h.seq), moved.map(([, h]) => h.hash)],
  );
  const last = rows[rows.length - 1]!;
  await db.query(
    `UPDATE accounting_seal_cursor SET xact_id = $1::bigint, event_id = $2::bigint, updated_at = now()
      WHERE id = 1`,
    [last.xactId, last.id],
  );
  return rows.length;
}

/**
 * A transaction id below which every transaction of this database has ended. The snapshot comes first:
 * a transaction given an id after it gets one at or above its xmax. pg_stat_activity is read after it,
 * and (as the first read of it in this transaction) freshly. A role that cannot see other roles'
 * transactions there takes the snapshot's xmin instead: every transaction of the server, later but safe.
 */
async function finalBound(db: Db): Promise<string> {
  const [snap] = await db.query<{ xmin: string; xmax: string; seesAll: boolean }>(
    `SELECT pg_snapshot_xmin(s)::text AS xmin, pg_snapshot_xmax(s)::text AS xmax,
            (SELECT rolsuper OR pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER')
               FROM pg_roles WHERE rolname = current_user) AS "seesAll"
       FROM pg_current_snapshot() s`,
  );
  if (!snap!.seesAll) return snap!.xmin;
  const running = await db.query<{ xid: string }>(
    `SELECT backend_xid::text AS xid FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL`,
  );
  const xmax = BigInt(snap!.xmax);
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

/** Events not sealed yet, per chain, with the oldest one's time: verification reports long waits. */
export async function unsealedEvents(
  db: Db,
  chain: string | null,
): Promise<{ chain: string; count: number; oldest: string }[]> {
  return db.query(
    `SELECT ${CHAIN_OF_EVENT} AS chain, count(*)::int AS count,
            ${isoMicros("min(e.occurred_at)")} AS oldest
       FROM accounting_event e, accounting_seal_cursor c
      WHERE c.id = 1 AND (e.xact_id, e.id) > (c.xact_id, c.event_id)
        ${chain === null ? "" : `AND ${CHAIN_OF_EVENT} = $1`}
      GROUP BY 1`,
    chain === null ? [] : [chain],
  );
}
