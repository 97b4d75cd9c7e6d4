import { generateKeyPairSync, sign } from "node:crypto";
import {
  type ChainedEvent,
  type Checkpoint,
  GENESIS_HASH,
  type SealedEvent,
  checkpointDigest,
  checkpointPayload,
  eventHash,
} from "../../src/accounting/chain.js";
import { keyIdOf } from "../../src/accounting/signing.js";

// Chains built in memory, for the chain checks and the offline verifier without a database.

export const key = generateKeyPairSync("ed25519");
const raw = Buffer.from(key.publicKey.export({ format: "jwk" }).x!, "base64url");
export const keyId = keyIdOf(raw);
export const keys = new Map([[keyId, key.publicKey]]);

/** A well-formed chain of n events on one operator's chain. */
export function chain(n: number, chainKey = "0b6f4a8e-5f43-4f0e-9a53-1f1f4c2f0a11"): SealedEvent[] {
  const out: SealedEvent[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const e: ChainedEvent = {
      id: String(100 + seq),
      chain: chainKey,
      seq,
      prevHash: prev,
      occurredAt: `2026-03-01T10:00:0${seq % 10}.123456Z`,
      eventType: "activity",
      action: "update",
      outcome: "success",
      initiator: { kind: "user", id: "u1", name: "Ådå 🦣", ip: "192.0.2.1", userAgent: "curl/8" },
      targetKind: "operator",
      targetId: chainKey,
      operatorId: chainKey,
      observer: "fedicentral",
      reason: null,
      requestId: `r${seq}`,
      changes: { name: { before: `n${seq - 1}`, after: `n${seq}` } },
    };
    const hash = eventHash(e);
    out.push({ ...e, hash });
    prev = hash;
  }
  return out;
}

/** A checkpoint signing the chain up to e, following `prev` (null: the chain's first checkpoint). */
export function checkpointAt(
  e: SealedEvent,
  prev: Checkpoint | null = null,
  signer = key.privateKey,
  kid = keyId,
): Checkpoint {
  const unsigned = {
    chain: e.chain,
    seq: e.seq,
    headHash: e.hash,
    signedAt: "2026-03-01T11:00:00.000Z",
    keyId: kid,
    number: (prev?.number ?? 0) + 1,
    prevCheckpointHash: prev ? checkpointDigest(prev) : GENESIS_HASH,
    version: 2 as const,
  };
  return { ...unsigned, signature: sign(null, checkpointPayload(unsigned), signer).toString("base64url") };
}

/** An export file's text (JSON lines) holding the events with a checkpoint after each of `signedAt`. */
export function exportText(events: SealedEvent[], signedAt: number[] = []): string {
  const lines = [JSON.stringify({ type: "export", format: "fedicentral-accounting/1" })];
  let prev: Checkpoint | null = null;
  for (const e of events) {
    lines.push(JSON.stringify({ type: "event", ...e }));
    if (signedAt.includes(e.seq)) {
      prev = checkpointAt(e, prev);
      lines.push(JSON.stringify({ type: "checkpoint", ...prev }));
    }
  }
  lines.push(JSON.stringify({ type: "end", events: events.length, checkpoints: signedAt.length }));
  return lines.join("\n") + "\n";
}
