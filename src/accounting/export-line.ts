import { type SealedEvent, eventHash } from "./chain.js";
import type { ChainLink } from "./chain-verifier.js";

/** One line of a JSON-lines export, parsed and (for an event) hashed: the part that can run in parallel. */
export type ParsedLine =
  | { kind: "blank" }
  | { kind: "invalid" }
  | { kind: "event"; link: ChainLink; hashMatches: boolean }
  | { kind: "record"; rec: Record<string, unknown> };

export function parseLine(text: string): ParsedLine {
  if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === "")) return { kind: "blank" };
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { kind: "invalid" };
  }
  return parsedRecord(rec);
}

/** A record read from either format: an event is hashed here. */
export function parsedRecord(rec: Record<string, unknown>): ParsedLine {
  if (rec.type !== "event") return { kind: "record", rec };
  const e = rec as unknown as SealedEvent;
  let hashMatches: boolean;
  try {
    hashMatches = eventHash(e) === e.hash;
  } catch {
    // A value canonical JSON cannot hold (a tampered line): it matches no hash.
    hashMatches = false;
  }
  return {
    kind: "event",
    link: { chain: e.chain, seq: e.seq, prevHash: e.prevHash, hash: e.hash, at: Date.parse(e.occurredAt) },
    hashMatches,
  };
}

/**
 * The lines of a block of an export, parsed, in columns: a worker thread hands this back far more
 * cheaply than an object per line (structured cloning of small objects costs more than the parsing).
 */
export type ParsedBlock = {
  /** Per line, one of LINE_KINDS' indices. */
  kinds: Uint8Array;
  /** Per line, an event's seq. */
  seqs: Float64Array;
  /** Per line, when an event occurred (ms), for the unsigned tail's age. */
  times: Float64Array;
  /** chain, prevHash and hash of each event, three per event, in order. */
  links: string[];
  /** The other records, in order. */
  records: Record<string, unknown>[];
};

const BLANK = 0;
const INVALID = 1;
const EVENT_OK = 2;
const EVENT_ALTERED = 3;
const RECORD = 4;

/** Parses a block of whole lines of an export (the last newline optional). */
export function parseBlock(block: Uint8Array): ParsedBlock {
  const text = Buffer.from(block.buffer, block.byteOffset, block.byteLength).toString("utf8");
  const lines = (text.endsWith("\n") ? text.slice(0, -1) : text).split("\n");
  const out: ParsedBlock = {
    kinds: new Uint8Array(lines.length),
    seqs: new Float64Array(lines.length),
    times: new Float64Array(lines.length),
    links: [],
    records: [],
  };
  for (let i = 0; i < lines.length; i++) {
    const p = parseLine(lines[i]!);
    if (p.kind === "event") {
      out.kinds[i] = p.hashMatches ? EVENT_OK : EVENT_ALTERED;
      out.seqs[i] = p.link.seq;
      out.times[i] = p.link.at ?? Number.NaN;
      out.links.push(p.link.chain, p.link.prevHash, p.link.hash);
    } else if (p.kind === "record") {
      out.kinds[i] = RECORD;
      out.records.push(p.rec);
    } else out.kinds[i] = p.kind === "blank" ? BLANK : INVALID;
  }
  return out;
}

/** The lines of a parsed block, one by one. */
export function* blockLines(b: ParsedBlock): Generator<ParsedLine> {
  let link = 0;
  let record = 0;
  for (let i = 0; i < b.kinds.length; i++) {
    const kind = b.kinds[i];
    if (kind === EVENT_OK || kind === EVENT_ALTERED) {
      const [chain, prevHash, hash] = b.links.slice(link, (link += 3)) as [string, string, string];
      yield {
        kind: "event",
        link: { chain, seq: b.seqs[i]!, prevHash, hash, at: b.times[i]! },
        hashMatches: kind === EVENT_OK,
      };
    } else if (kind === RECORD) yield { kind: "record", rec: b.records[record++]! };
    else yield { kind: kind === BLANK ? "blank" : "invalid" };
  }
}
