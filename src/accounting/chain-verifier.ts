import { type KeyObject, verify } from "node:crypto";
import { type Checkpoint, GENESIS_HASH, type SealedEvent, checkpointPayload, eventHash } from "./chain.js";

/** What checking one chain found; firstBad is the first sequence number where it stops holding. */
export type ChainReport = {
  chain: string;
  firstSeq: number | null;
  lastSeq: number | null;
  events: number;
  /** Checkpoints whose signature and head both matched. */
  checkpoints: number;
  lastCheckpointSeq: number | null;
  firstBad: { seq: number; problem: string } | null;
};

type State = ChainReport & { lastHash: string | null };

/** A chain with no events seen. */
export const emptyReport = (chain: string): ChainReport => ({
  chain,
  firstSeq: null,
  lastSeq: null,
  events: 0,
  checkpoints: 0,
  lastCheckpointSeq: null,
  firstBad: null,
});

/** What linking needs of an event: its place in the chain and its stored hash. */
export type ChainLink = Pick<SealedEvent, "chain" | "seq" | "prevHash" | "hash">;

/**
 * Checks sealed events and checkpoints fed in chain order (each checkpoint right after the event it
 * signs), chain by chain, without keeping them: every hash, every link, every signature.
 */
export class ChainVerifier {
  private readonly chains = new Map<string, State>();

  /** keys: public keys by key id; a checkpoint signed by any other key is refused. */
  constructor(private readonly keys: ReadonlyMap<string, KeyObject>) {}

  /** Starts a chain after an event known to be good (verifying a stretch in the middle of a chain). */
  anchor(chain: string, seq: number, hash: string): void {
    const s = this.state(chain);
    s.lastSeq = seq;
    s.lastHash = hash;
  }

  event(e: SealedEvent): void {
    this.linked(e, () => eventHash(e) === e.hash);
  }

  /** An event whose hash was checked already (the offline verifier hashes each line as it parses it). */
  linked(e: ChainLink, hashMatches: boolean | (() => boolean)): void {
    const s = this.state(e.chain);
    s.events++;
    if (s.firstBad) return;
    s.firstSeq ??= e.seq;
    if (s.lastSeq !== null) {
      const expected = s.lastSeq + 1;
      if (e.seq > expected) return bad(s, expected, `event ${expected} is missing (next is ${e.seq})`);
      if (e.seq < expected) return bad(s, e.seq, `event ${e.seq} is out of order (after ${s.lastSeq})`);
      if (e.prevHash !== s.lastHash)
        return bad(s, e.seq, `event ${e.seq} does not link to event ${s.lastSeq} (prevHash differs)`);
    } else if (e.seq === 1 && e.prevHash !== GENESIS_HASH) {
      return bad(s, 1, "the first event does not start the chain (prevHash is not the genesis hash)");
    }
    const matches = typeof hashMatches === "function" ? hashMatches() : hashMatches;
    if (!matches) return bad(s, e.seq, `event ${e.seq} was altered (its hash differs)`);
    s.lastSeq = e.seq;
    s.lastHash = e.hash;
  }

  /** A sealed sequence number whose event row is gone. */
  missing(chain: string, seq: number): void {
    const s = this.state(chain);
    if (!s.firstBad) bad(s, seq, `event ${seq} is missing (its seal is left)`);
  }

  /** The chain's recorded head is past the last event seen: events at its end were removed. */
  head(chain: string, headSeq: number): void {
    const s = this.state(chain);
    const last = s.lastSeq ?? 0;
    if (!s.firstBad && headSeq > last) bad(s, last + 1, `events ${last + 1} to ${headSeq} are missing`);
  }

  checkpoint(c: Checkpoint): void {
    const s = this.state(c.chain);
    if (s.firstBad) return;
    const key = this.keys.get(c.keyId);
    if (!key) return bad(s, c.seq, `checkpoint at ${c.seq} is signed by unknown key ${c.keyId}`);
    if (!signatureValid(c, key)) return bad(s, c.seq, `checkpoint at ${c.seq} has a forged signature`);
    // A checkpoint before the stretch being checked says nothing about it.
    if (s.lastSeq === null || (s.firstSeq !== null && c.seq < s.firstSeq)) return;
    if (c.seq !== s.lastSeq) return bad(s, c.seq, `checkpoint at ${c.seq} is out of place`);
    if (c.headHash !== s.lastHash) {
      return bad(s, c.seq, `the signed head at ${c.seq} differs: the chain was rewritten up to it`);
    }
    s.checkpoints++;
    s.lastCheckpointSeq = c.seq;
  }

  reports(): ChainReport[] {
    return [...this.chains.values()].map(({ lastHash: _, ...r }) => r);
  }

  private state(chain: string): State {
    let s = this.chains.get(chain);
    if (!s) {
      s = { ...emptyReport(chain), lastHash: null };
      this.chains.set(chain, s);
    }
    return s;
  }
}

function bad(s: State, seq: number, problem: string): void {
  s.firstBad = { seq, problem };
}

function signatureValid(c: Checkpoint, key: KeyObject): boolean {
  try {
    return verify(null, checkpointPayload(c), key, Buffer.from(c.signature, "base64url"));
  } catch {
    return false;
  }
}
