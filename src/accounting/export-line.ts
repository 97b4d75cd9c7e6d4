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
    link: { chain: e.chain, seq: e.seq, prevHash: e.prevHash, hash: e.hash },
    hashMatches,
  };
}
