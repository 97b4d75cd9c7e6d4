import { sign } from "node:crypto";
import type { DataSource } from "typeorm";
import { type Db, dbOf } from "../db/db.js";
import type { Caller } from "../common/caller.js";
import { isoTime } from "../db/sql.js";
import {
  CHECKPOINT_VERSION,
  type Checkpoint,
  GENESIS_HASH,
  checkpointDigest,
  checkpointPayload,
} from "./chain.js";
import { recordEvent } from "./record-event.js";
import { sealPending } from "./sealer.js";
import { activeSigner } from "./signing.js";
import type { Witness } from "./witness.js";
import { sql } from "../db/named-sql.js";
import { inTransaction } from "../db/transaction.js";

export const CHECKPOINT_COLUMNS = `k.chain, k.seq::text AS seq, k.head_hash AS "headHash",
  ${isoTime("k.signed_at")} AS "signedAt",
  k.key_id AS "keyId", k.number::text AS number, k.prev_checkpoint_hash AS "prevCheckpointHash",
  k.version, k.signature`;

export const toCheckpoint = (row: Record<string, unknown>): Checkpoint => ({
  ...(row as unknown as Checkpoint),
  seq: Number(row.seq),
  number: Number(row.number),
});

const LOCK = sql(
  "accounting.checkpoint.lock",
  `SELECT pg_try_advisory_xact_lock(hashtext('fedicentral_accounting_checkpoint')) AS ok`,
);
const DUE = sql(
  "accounting.checkpoint.due",
  `SELECT coalesce(max(signed_at) <= now() - $1 * interval '1 millisecond', true) AS due
           FROM accounting_checkpoint`,
);
const HEADS = sql(
  "accounting.checkpoint.heads",
  `SELECT c.chain, c.seq::text AS seq, c.head_hash AS "headHash",
              (SELECT row_to_json(x) FROM (SELECT ${CHECKPOINT_COLUMNS} FROM accounting_checkpoint k
                 WHERE k.chain = c.chain ORDER BY k.number DESC LIMIT 1) x) AS last
         FROM accounting_chain c
        WHERE NOT EXISTS (SELECT 1 FROM accounting_checkpoint k WHERE k.chain = c.chain AND k.seq >= c.seq)
        ORDER BY c.chain`,
);
const CHECKPOINT_INSERT = sql(
  "accounting.checkpoint.insert",
  `INSERT INTO accounting_checkpoint
           (chain, seq, head_hash, signed_at, key_id, signature, number, prev_checkpoint_hash, version)
         SELECT c, s, h, $4::timestamptz, $5, sig, n, p, $9
           FROM unnest($1::text[], $2::bigint[], $3::text[], $6::text[], $7::bigint[], $8::text[])
                AS t(c, s, h, sig, n, p)`,
);

/**
 * Seals what is pending, then signs the head of every chain that moved since its last checkpoint.
 * With dueAfterMs, does nothing until that long after the last checkpoint (the hourly round, which every
 * replica attempts; an advisory lock and this check let one of them do it).
 */
export async function signChainHeads(
  ds: DataSource,
  secret: Buffer,
  opts: {
    dueAfterMs?: number;
    /** Who asked, for a round on demand (API or CLI): its accounting event goes into the signing transaction. */
    caller?: Caller;
    /** Where the new checkpoints are copied once they are committed. */
    witness?: Witness;
  } = {},
): Promise<Checkpoint[]> {
  await sealPending(ds);
  const signer = await activeSigner(ds, secret);
  const made = await inTransaction(ds, async (tx) => {
    const db = dbOf(tx);
    const [locked] = await db.query<{ ok: boolean }>(LOCK);
    if (!locked?.ok) return [];
    if (opts.dueAfterMs !== undefined) {
      const [last] = await db.query<{ due: boolean }>(DUE, [opts.dueAfterMs]);
      if (!last?.due) return [];
    }
    const heads = await db.query<{ chain: string; seq: string; headHash: string; last: object | null }>(
      HEADS,
    );
    const signedAt = new Date().toISOString();
    const made: Checkpoint[] = heads.map((h) => {
      // Each checkpoint names its predecessor, so one deleted from the middle breaks the link.
      const last = h.last ? toCheckpoint(h.last as Record<string, unknown>) : null;
      const unsigned = {
        chain: h.chain,
        seq: Number(h.seq),
        headHash: h.headHash,
        signedAt,
        keyId: signer.keyId,
        number: (last?.number ?? 0) + 1,
        prevCheckpointHash: last ? checkpointDigest(last) : GENESIS_HASH,
        version: CHECKPOINT_VERSION,
      };
      const signature = sign(null, checkpointPayload(unsigned), signer.privateKey).toString("base64url");
      return { ...unsigned, signature };
    });
    if (made.length > 0) {
      await db.query(CHECKPOINT_INSERT, [
        made.map((c) => c.chain),
        made.map((c) => c.seq),
        made.map((c) => c.headHash),
        signedAt,
        signer.keyId,
        made.map((c) => c.signature),
        made.map((c) => c.number),
        made.map((c) => c.prevCheckpointHash),
        CHECKPOINT_VERSION,
      ]);
    }
    if (opts.caller) {
      await recordEvent(tx, opts.caller, {
        action: "sign",
        eventType: "control",
        targetKind: "accounting_checkpoint",
        targetId: null,
        operatorId: null,
        reason: made.length ? `signed the heads of ${made.length} chains` : "no chain moved",
      });
    }
    return made;
  });
  await opts.witness?.record(made);
  return made;
}

const CHECKPOINT_BETWEEN = sql(
  "accounting.checkpoint.between",
  `SELECT ${CHECKPOINT_COLUMNS} FROM accounting_checkpoint k
      WHERE k.chain = $1 AND k.seq BETWEEN $2 AND $3 ORDER BY k.seq, k.id`,
);

/** The checkpoints of one chain between two sequence numbers, in chain order. */
export async function checkpointsBetween(
  db: Db,
  chain: string,
  fromSeq: number,
  toSeq: number,
): Promise<Checkpoint[]> {
  const rows = await db.query(CHECKPOINT_BETWEEN, [chain, fromSeq, toSeq]);
  return rows.map(toCheckpoint);
}
