import { type SealedEvent, eventHash } from "./chain.js";
import type { ChainLink } from "./chain-verifier.js";

/** One line of a JSON-lines export, parsed and (for an event) hashed: the part that can run in parallel. */
export type ParsedLine =
  | { kind: "blank" }
  | { kind: "invalid" }
  | { kind: "event"; link: ChainLink; hashMatches: boolean }
  | { kind: "record"; rec: Record<string, unknown> };

export function parseLine(text: string): ParsedLine {
  if (text.trim() === "") return { kind: "blank" };
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
    link: { chain: e.chain, seq: e.seq, prevHash: e.prevHash, hash: e.hash },
    hashMatches,
  };
}

/**
 * A batch of parsed lines in a form that crosses threads cheaply: typed arrays and arrays of text
 * instead of an object per line (copying those cost more than the parsing saved).
 */
export type PackedLines = {
  kinds: Uint8Array;
  seqs: Float64Array;
  matches: Uint8Array;
  chains: string[];
  prevHashes: string[];
  hashes: string[];
  records: [number, Record<string, unknown>][];
};

const KINDS = ["blank", "invalid", "event", "record"] as const;

export function packLines(lines: string[]): PackedLines {
  const kinds = new Uint8Array(lines.length);
  const seqs = new Float64Array(lines.length);
  const matches = new Uint8Array(lines.length);
  const chains: string[] = [];
  const prevHashes: string[] = [];
  const hashes: string[] = [];
  const records: [number, Record<string, unknown>][] = [];
  lines.forEach((line, i) => {
    const p = parseLine(line);
    kinds[i] = KINDS.indexOf(p.kind);
    if (p.kind === "event") {
      seqs[i] = p.link.seq;
      matches[i] = p.hashMatches ? 1 : 0;
      chains.push(String(p.link.chain));
      prevHashes.push(String(p.link.prevHash));
      hashes.push(String(p.link.hash));
    } else if (p.kind === "record") records.push([i, p.rec]);
  });
  return { kinds, seqs, matches, chains, prevHashes, hashes, records };
}

export function unpackLines(b: PackedLines, each: (p: ParsedLine) => void): void {
  const { chains, prevHashes, hashes } = b;
  const records = new Map(b.records);
  let e = 0;
  for (let i = 0; i < b.kinds.length; i++) {
    const kind = KINDS[b.kinds[i]!]!;
    if (kind === "event") {
      const link = { chain: chains[e]!, seq: b.seqs[i]!, prevHash: prevHashes[e]!, hash: hashes[e]! };
      e++;
      each({ kind, link, hashMatches: b.matches[i] === 1 });
    } else if (kind === "record") each({ kind, rec: records.get(i)! });
    else each({ kind });
  }
}
