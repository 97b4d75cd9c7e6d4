import { type KeyObject, verify } from "node:crypto";
import {
  type Checkpoint,
  GENESIS_HASH,
  type SealedEvent,
  checkpointDigest,
  checkpointPayload,
  eventHash,
} from "./chain.js";

/** What checking one chain found; firstBad is the first sequence number where it stops holding. */
export type ChainReport = {
  chain: string;
  firstSeq: number | null;
  lastSeq: number | null;
  events: number;
  /** Checkpoints whose signature and head both matched. */
  checkpoints: number;
  lastCheckpointSeq: number | null;
  /** The number of the last checkpoint seen. */
  lastCheckpointNumber: number | null;
  /** The unsigned tail: the first event after the last checkpoint, and when its oldest occurred (ms; null: unknown). */
  unsignedFromSeq: number | null;
  unsignedSince: number | null;
  firstBad: { seq: number; problem: string } | null;
};

type State = ChainReport & {
  lastHash: string | null;
  /** The signed bytes' digest of the last checkpoint seen. */
  checkpointDigest: string | null;
  /** Whether the next checkpoint's number and link can be checked (false: it starts the stretch). */
  checkpointAnchored: boolean;
};

/** A chain with no events seen. */
export const emptyReport = (chain: string): ChainReport => ({
  chain,
  firstSeq: null,
  lastSeq: null,
  events: 0,
  checkpoints: 0,
  lastCheckpointSeq: null,
  lastCheckpointNumber: null,
  unsignedFromSeq: null,
  unsignedSince: null,
  firstBad: null,
});

/** What linking needs of an event: its place in the chain, its stored hash, and when it occurred (ms). */
export type ChainLink = Pick<SealedEvent, "chain" | "seq" | "prevHash" | "hash"> & { at?: number };

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

  /**
   * Starts the chain of checkpoints after one known to be good (null: none precedes the stretch, so the
   * next is number 1). Without this, a stretch from event 1 starts at number 1 and any other stretch
   * takes its first checkpoint as it is.
   */
  anchorCheckpoint(chain: string, c: Checkpoint | null): void {
    const s = this.state(chain);
    s.checkpointAnchored = true;
    s.lastCheckpointNumber = c?.number ?? null;
    s.checkpointDigest = c ? checkpointDigest(c) : null;
  }

  event(e: SealedEvent): void {
    this.linked({ ...e, at: Date.parse(e.occurredAt) }, () => eventHash(e) === e.hash);
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
    s.unsignedFromSeq ??= e.seq;
    // The tail's oldest event, wherever it lies: times need not rise with seq (sealing goes by transaction).
    if (e.at !== undefined && !Number.isNaN(e.at) && (s.unsignedSince === null || e.at < s.unsignedSince))
      s.unsignedSince = e.at;
  }

  /** A finding about the chain from outside it (a witness, a pin, a stale tail). */
  fail(chain: string, seq: number, problem: string): void {
    const s = this.state(chain);
    if (!s.firstBad) bad(s, seq, problem);
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
    // A checkpoint before the stretch being checked says nothing about it but where its successor links.
    if (s.lastSeq === null || (s.firstSeq !== null && c.seq < s.firstSeq)) return this.linkCheckpoint(s, c);
    if (c.seq !== s.lastSeq) return bad(s, c.seq, `checkpoint at ${c.seq} is out of place`);
    if (c.headHash !== s.lastHash) {
      return bad(s, c.seq, `the signed head at ${c.seq} differs: the chain was rewritten up to it`);
    }
    const linkProblem = this.linkProblem(s, c);
    if (linkProblem) return bad(s, c.seq, linkProblem);
    this.linkCheckpoint(s, c);
    s.checkpoints++;
    s.lastCheckpointSeq = c.seq;
    s.unsignedFromSeq = null;
    s.unsignedSince = null;
  }

  /** Whether the checkpoint follows the last one: the next number, naming its signed bytes. */
  private linkProblem(s: State, c: Checkpoint): string | null {
    // An export made before checkpoints were numbered: the signature covers no number to check.
    if (c.number === undefined) return null;
    if (!s.checkpointAnchored && s.firstSeq !== 1) return null;
    const expected = (s.lastCheckpointNumber ?? 0) + 1;
    if (c.number > expected)
      return `checkpoint ${expected} is missing (the one at ${c.seq} is number ${c.number})`;
    if (c.number < expected || c.prevCheckpointHash !== (s.checkpointDigest ?? GENESIS_HASH)) {
      return `checkpoint ${c.number} at ${c.seq} does not follow checkpoint ${expected - 1} (prevCheckpointHash differs)`;
    }
    return null;
  }

  private linkCheckpoint(s: State, c: Checkpoint): void {
    s.checkpointAnchored = c.number !== undefined;
    s.lastCheckpointNumber = c.number ?? null;
    s.checkpointDigest = checkpointDigest(c);
  }

  reports(): ChainReport[] {
    return [...this.chains.values()].map(
      ({ lastHash: _h, checkpointDigest: _d, checkpointAnchored: _a, ...r }) => r,
    );
  }

  private state(chain: string): State {
    let s = this.chains.get(chain);
    if (!s) {
      s = { ...emptyReport(chain), lastHash: null, checkpointDigest: null, checkpointAnchored: false };
      this.chains.set(chain, s);
    }
    return s;
  }
}

function bad(s: State, seq: number, problem: string): void {
  s.firstBad = { seq, problem };
}

export function signatureValid(c: Checkpoint, key: KeyObject): boolean {
  try {
    return verify(null, checkpointPayload(c), key, Buffer.from(c.signature, "base64url"));
  } catch {
    return false;
  }
}

/**
 * The unsigned tail as a finding: events after the last checkpoint that occurred longer than two
 * checkpoint intervals before `now` should have been signed; deleting the last checkpoints leaves this.
 */
export function staleTail(
  r: ChainReport,
  now: number,
  intervalMs: number,
): { seq: number; problem: string } | null {
  if (r.firstBad || r.unsignedFromSeq === null || r.unsignedSince === null) return null;
  if (now - r.unsignedSince <= 2 * intervalMs) return null;
  const since = new Date(r.unsignedSince).toISOString();
  return {
    seq: r.unsignedFromSeq,
    problem:
      `events from ${r.unsignedFromSeq} on (the oldest occurred at ${since}) are signed by no checkpoint, ` +
      `more than twice the checkpoint interval (${intervalMs / 1000} s) later`,
  };
}
