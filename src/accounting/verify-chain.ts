import type { DataSource } from "typeorm";
import { type ChainReport, ChainVerifier, emptyReport, staleTail } from "./chain-verifier.js";
import { CHECKPOINT_COLUMNS, checkpointsBetween, toCheckpoint } from "./checkpoints.js";
import { EVENT_DOC_COLUMNS, SEAL_COLUMNS, toSealedEvent } from "./event-sql.js";
import { chainRanges } from "./export.js";
import { unsealedEvents } from "./sealer.js";
import { publicKeyMap } from "./signing.js";
import { withSnapshot } from "./snapshot-reader.js";
import { type ChainPin, WitnessCheck } from "./witness-check.js";
import { sql } from "../db/named-sql.js";

/** Events left unsealed longer than this make a verification fail: the sealer is not keeping up. */
export const UNSEALED_GRACE_MS = 5000;

export type ChainCheck = ChainReport & {
  fromSeq: number | null;
  toSeq: number | null;
  unsealedEvents: number;
  oldestUnsealedAt: string | null;
  /** No break, and nothing left unsealed past the grace time. */
  ok: boolean;
  problem: string | null;
};

export type ChainCheckOptions = {
  /** How often heads are signed: an unsigned tail older than twice this is a finding. */
  checkpointIntervalMs: number;
  /** Checkpoints noted down outside the database, which it must still hold. */
  pins?: readonly Omit<ChainPin, "chain">[];
};

const CHECKPOINT_BEFORE = sql(
  "accounting.verify.checkpointBefore",
  `SELECT ${CHECKPOINT_COLUMNS} FROM accounting_checkpoint k
            WHERE k.chain = $1 AND k.seq < $2 ORDER BY k.number DESC LIMIT 1`,
);
const SEAL_HASH = sql(
  "accounting.verify.sealHash",
  `SELECT hash FROM accounting_seal WHERE chain = $1 AND seq = $2`,
);
const RECORDS = sql(
  "accounting.verify.records",
  `SELECT s.chain, ${SEAL_COLUMNS}, ${EVENT_DOC_COLUMNS}
           FROM accounting_seal s LEFT JOIN accounting_event e ON e.id = s.event_id
          WHERE s.chain = $1 AND s.seq BETWEEN $2 AND $3 ORDER BY s.seq`,
);
const CHAIN_HEAD = sql(
  "accounting.verify.chainHead",
  `SELECT seq::text AS seq FROM accounting_chain WHERE chain = $1`,
);

/**
 * Checks one chain in the database, trusting none of it but the keys the signing secret opens (all stored
 * keys without it): the stretch of events that occurred in [from, to) (the whole chain without them),
 * linked to the event before it, every hash, every checkpoint signature and link, the pins, and without
 * `to`, that nothing is missing at the end and no old events wait for a checkpoint.
 */
export function verifyChain(
  ds: DataSource,
  chain: string,
  from: string | null,
  to: string | null,
  secret: Buffer | null,
  opts: ChainCheckOptions,
): Promise<ChainCheck> {
  return withSnapshot(ds, async (r) => {
    const verifier = new ChainVerifier(await publicKeyMap(r, secret));
    const check = new WitnessCheck(
      [],
      (opts.pins ?? []).map((p) => ({ ...p, chain })),
    );
    const [range] = await chainRanges(r, { chain, from, to });
    if (range) {
      if (range.fromSeq > 1) {
        const [before] = await r.query<Record<string, unknown>>(CHECKPOINT_BEFORE, [chain, range.fromSeq]);
        verifier.anchorCheckpoint(chain, before ? toCheckpoint(before) : null);
      }
      if (range.fromSeq > 1) {
        const [prev] = await r.query<{ hash: string }>(SEAL_HASH, [chain, range.fromSeq - 1]);
        if (prev) verifier.anchor(chain, range.fromSeq - 1, prev.hash);
        else verifier.missing(chain, range.fromSeq - 1);
      }
      const checkpoints = await checkpointsBetween(r, chain, range.fromSeq, range.toSeq);
      let next = 0;
      const rows = r.stream<Record<string, unknown>>(RECORDS, [chain, range.fromSeq, range.toSeq]);
      for await (const row of rows) {
        const seq = Number(row.seq);
        if (row.id === null) verifier.missing(chain, seq);
        else verifier.event(toSealedEvent(row));
        if (!check.empty) check.event(verifier, { chain, seq, prevHash: "", hash: row.hash as string });
        while (next < checkpoints.length && checkpoints[next]!.seq <= seq) {
          const c = checkpoints[next++]!;
          if (c.seq !== seq) continue;
          verifier.checkpoint(c);
          if (!check.empty) check.checkpoint(verifier, c);
        }
      }
    }
    if (!to) {
      const [head] = await r.query<{ seq: string }>(CHAIN_HEAD, [chain]);
      if (head) verifier.head(chain, Number(head.seq));
    }
    check.finish(verifier, { chain, from, to });
    const stale = to ? null : staleTail(reportOf(verifier, chain), Date.now(), opts.checkpointIntervalMs);
    if (stale) verifier.fail(chain, stale.seq, stale.problem);
    const report = reportOf(verifier, chain);
    const [waiting] = await unsealedEvents(r, chain);
    const lagging = waiting !== undefined && Date.now() - Date.parse(waiting.oldest) > UNSEALED_GRACE_MS;
    return {
      ...report,
      fromSeq: range?.fromSeq ?? null,
      toSeq: range?.toSeq ?? null,
      unsealedEvents: waiting?.count ?? 0,
      oldestUnsealedAt: waiting?.oldest ?? null,
      ok: report.firstBad === null && !lagging,
      problem:
        report.firstBad?.problem ??
        (lagging ? `${waiting.count} events wait unsealed for over ${UNSEALED_GRACE_MS / 1000} s` : null),
    };
  });
}

const reportOf = (v: ChainVerifier, chain: string): ChainReport =>
  v.reports().find((c) => c.chain === chain) ?? emptyReport(chain);
