// The hash chain, as pure functions: what an event's hash covers, and how a run of sealed events and
// signed checkpoints is checked. The sealer, verifyChain and the offline verifier all use these.

import { hash } from "node:crypto";
import canonicalize from "canonicalize";
import type { Initiator } from "./accounting-event.entity.js";

/** The chain of provider-wide events (those with no operator). */
export const PROVIDER_CHAIN = "provider";

/** The prevHash of the first event of every chain. */
export const GENESIS_HASH = "0".repeat(64);

/** The chain an event belongs to: its operator's, or the provider-wide one. */
export const chainOf = (operatorId: string | null): string => operatorId ?? PROVIDER_CHAIN;

/** An event as it is hashed and exported: flat, with its place in the chain. */
export type ChainedEvent = {
  id: string;
  chain: string;
  seq: number;
  prevHash: string;
  /** ISO-8601 UTC with microseconds, as PostgreSQL keeps it. */
  occurredAt: string;
  eventType: string;
  action: string;
  outcome: string;
  initiator: Initiator;
  targetKind: string;
  targetId: string | null;
  operatorId: string | null;
  observer: string;
  reason: string | null;
  requestId: string | null;
  changes: Record<string, { before: unknown; after: unknown }> | null;
};

export type SealedEvent = ChainedEvent & { hash: string };

export type Checkpoint = {
  chain: string;
  seq: number;
  headHash: string;
  /** ISO-8601 UTC with milliseconds. */
  signedAt: string;
  keyId: string;
  /** 1, 2, 3, … per chain: a missing checkpoint leaves a gap. */
  number: number;
  /** checkpointDigest() of the chain's checkpoint number - 1; GENESIS_HASH for number 1. */
  prevCheckpointHash: string;
  /** Which bytes the signature covers: 1 (signed before checkpoints were numbered) or 2. */
  version: CheckpointVersion;
  /** Ed25519 over checkpointPayload(), base64url. */
  signature: string;
};

export type CheckpointVersion = 1 | 2;

/** The version new checkpoints are signed with: their number and link are signed too. */
export const CHECKPOINT_VERSION: CheckpointVersion = 2;

/** The fields an event hash covers, in a fixed list so that extra export fields never change a hash. */
const HASHED: (keyof ChainedEvent)[] = [
  "id",
  "chain",
  "seq",
  "prevHash",
  "occurredAt",
  "eventType",
  "action",
  "outcome",
  "initiator",
  "targetKind",
  "targetId",
  "operatorId",
  "observer",
  "reason",
  "requestId",
  "changes",
];

// RFC 8785 orders members by their names' UTF-16 code units; these names are ASCII, so a plain sort.
const SORTED = [...HASHED].sort();

/**
 * The RFC 8785 canonical JSON of the event's hashed fields: canonicalize(doc), built member by member
 * because the members are known (a property test holds the two equal). Hashing is most of what the
 * sealer, verifyChain and the offline verifier do, and this is about twice as fast. Top-level text and
 * numbers are serialised as RFC 8785 says, which is JSON.stringify's output (for text with a lone
 * surrogate, which PostgreSQL cannot store, canonicalize would throw and this yields a hash that matches
 * nothing); nested objects go through canonicalize.
 */
export function canonicalEvent(e: ChainedEvent): string {
  let out = "{";
  for (let i = 0; i < SORTED.length; i++) {
    const v = e[SORTED[i]!] ?? null;
    out += MEMBER_PREFIX[i]! + (typeof v === "object" && v !== null ? canonicalize(v)! : JSON.stringify(v));
  }
  return `${out}}`;
}

const MEMBER_PREFIX = SORTED.map((k, i) => `${i === 0 ? "" : ","}${JSON.stringify(k)}:`);

/** SHA-256 (hex) of the RFC 8785 canonical JSON of the event's hashed fields. */
export function eventHash(e: ChainedEvent): string {
  return hash("sha256", canonicalEvent(e), "hex");
}

/**
 * The bytes a checkpoint signature covers: the RFC 8785 canonical JSON of its fields and a type tag that
 * keeps them from meaning anything else. Version 1 (checkpoints signed before they were numbered) left
 * the number and the link out; the README spells out both.
 */
export function checkpointPayload(c: Omit<Checkpoint, "signature">): Buffer {
  const v1 = { chain: c.chain, seq: c.seq, headHash: c.headHash, signedAt: c.signedAt, keyId: c.keyId };
  // An export line without a version predates numbering: version 1.
  const doc =
    c.version === 2
      ? {
          type: "fedicentral.accounting.checkpoint.v2",
          ...v1,
          number: c.number,
          prevCheckpointHash: c.prevCheckpointHash,
        }
      : { type: "fedicentral.accounting.checkpoint.v1", ...v1 };
  return Buffer.from(canonicalize(doc)!);
}

/** SHA-256 (hex) of a checkpoint's signed bytes: what its successor names as prevCheckpointHash. */
export function checkpointDigest(c: Omit<Checkpoint, "signature">): string {
  return hash("sha256", checkpointPayload(c), "hex");
}
