// Holds a chain to what was kept outside the database: the checkpoints a witness recorded and the heads
// an auditor pinned. A superuser cannot sign, but can delete the last checkpoints and rewrite what follows
// the one before them; only a copy kept elsewhere shows that something signed is gone.

import type { KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { type Checkpoint, checkpointDigest } from "./chain.js";
import { type ChainLink, type ChainVerifier, signatureValid } from "./chain-verifier.js";

/** A checkpoint an auditor noted down (chain null: the only chain being checked). */
export type ChainPin = { chain: string | null; seq: number; headHash: string };

/** What the check needs to know of the stretch checked: a stretch cut off by time skips what lies outside. */
export type CheckedScope = { chain: string | null; from: string | null; to: string | null };

type Expected = { seq: number; headHash: string; witnessed: Checkpoint | null; met: boolean };

const ANY_CHAIN = "";

export class WitnessCheck {
  private readonly byChain = new Map<string, Map<number, Expected[]>>();
  private firstChain: string | null = null;

  constructor(witnessed: readonly Checkpoint[], pins: readonly ChainPin[]) {
    for (const c of witnessed) this.expect(c.chain, { seq: c.seq, headHash: c.headHash, witnessed: c });
    for (const p of pins)
      this.expect(p.chain ?? ANY_CHAIN, { seq: p.seq, headHash: p.headHash, witnessed: null });
  }

  get empty(): boolean {
    return this.byChain.size === 0;
  }

  /** An event of the stretch: at a witnessed or pinned seq, its hash must be the signed head. */
  event(v: ChainVerifier, e: ChainLink): void {
    this.bind(e.chain);
    for (const x of this.at(e.chain, e.seq)) {
      if (x.headHash !== e.hash) v.fail(e.chain, e.seq, `event ${e.seq} differs from the ${what(x)}`);
    }
  }

  /** A checkpoint of the stretch: the same bytes as the witness's, or the pinned head. */
  checkpoint(v: ChainVerifier, c: Checkpoint): void {
    for (const x of this.at(c.chain, c.seq)) {
      if (x.witnessed === null) x.met ||= x.headHash === c.headHash;
      else if (x.witnessed.number === c.number || x.witnessed.headHash === c.headHash) {
        if (checkpointDigest(x.witnessed) === checkpointDigest(c)) x.met = true;
        else v.fail(c.chain, c.seq, `checkpoint ${c.number} at ${c.seq} differs from the ${what(x)}`);
      }
    }
  }

  /** What was expected and not found, inside the stretch checked, is a finding on its chain. */
  finish(v: ChainVerifier, scope: CheckedScope): string[] {
    const problems: string[] = [];
    const reports = new Map(v.reports().map((r) => [r.chain, r]));
    for (const [chain, bySeq] of this.byChain) {
      if (chain === ANY_CHAIN) {
        problems.push("a pin names no chain and the export holds several: pin CHAIN:SEQ:HASH");
        continue;
      }
      for (const x of [...bySeq.values()].flat()) {
        if (x.met) continue;
        const r = reports.get(chain);
        const covered = scope.chain === null || scope.chain === chain;
        if (!r || r.lastSeq === null) {
          if (covered && !scope.from && !scope.to)
            v.fail(chain, x.seq, `the ${what(x)} is missing: so is the chain`);
          continue;
        }
        if (r.firstSeq !== null && x.seq < r.firstSeq) continue;
        if (x.seq > r.lastSeq) {
          if (!scope.to)
            v.fail(chain, r.lastSeq + 1, `the ${what(x)} is missing: the chain ends at ${r.lastSeq}`);
          continue;
        }
        v.fail(chain, x.seq, `the ${what(x)} is missing`);
      }
    }
    return problems;
  }

  private expect(chain: string, x: Omit<Expected, "met">): void {
    let bySeq = this.byChain.get(chain);
    if (!bySeq) this.byChain.set(chain, (bySeq = new Map()));
    bySeq.set(x.seq, [...(bySeq.get(x.seq) ?? []), { ...x, met: false }]);
  }

  /** Pins without a chain belong to the first chain seen (an export of one chain). */
  private bind(chain: string): void {
    if (this.firstChain !== null) return;
    this.firstChain = chain;
    const loose = this.byChain.get(ANY_CHAIN);
    if (!loose) return;
    this.byChain.delete(ANY_CHAIN);
    for (const list of loose.values()) for (const x of list) this.expect(chain, x);
  }

  private at(chain: string, seq: number): Expected[] {
    return this.byChain.get(chain)?.get(seq) ?? [];
  }
}

const what = (x: Expected) =>
  x.witnessed
    ? `checkpoint ${x.witnessed.number} at ${x.seq} that the witness holds`
    : `pinned checkpoint at ${x.seq}`;

/**
 * A witness file (one checkpoint as JSON per line, as the witness sink writes it): the checkpoints whose
 * signature holds under the keys given; any other line is a problem of the file.
 */
export async function readWitnessFile(
  path: string,
  keys: ReadonlyMap<string, KeyObject>,
): Promise<{ checkpoints: Checkpoint[]; problems: string[] }> {
  const checkpoints: Checkpoint[] = [];
  const problems: string[] = [];
  const lines = (await readFile(path, "utf8")).split("\n");
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let c: Checkpoint & { type?: string };
    try {
      c = JSON.parse(line) as Checkpoint & { type?: string };
    } catch {
      return void problems.push(`witness line ${i + 1} cannot be read`);
    }
    const key = keys.get(c.keyId);
    if (c.type !== "checkpoint" || !key || !signatureValid(c, key)) {
      return void problems.push(`witness line ${i + 1} is no checkpoint signed by a key given`);
    }
    checkpoints.push(c);
  });
  return { checkpoints, problems };
}

/** A pin as the command line takes it: [CHAIN:]SEQ:HEADHASH. */
export function parsePin(text: string): ChainPin {
  const m = /^(?:([0-9a-f-]{36}|provider):)?([1-9][0-9]{0,15}):([0-9a-f]{64})$/.exec(text.trim());
  if (!m) throw new Error(`not a pin ([CHAIN:]SEQ:HEADHASH, the hash as 64 hex digits): ${text}`);
  return { chain: m[1] ?? null, seq: Number(m[2]), headHash: m[3]! };
}
