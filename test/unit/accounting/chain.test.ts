import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import canonicalize from "canonicalize";
import fc from "fast-check";
import {
  type ChainedEvent,
  type Checkpoint,
  GENESIS_HASH,
  type SealedEvent,
  canonicalEvent,
  eventHash,
} from "../../../src/accounting/chain.js";
import { ChainVerifier } from "../../../src/accounting/chain-verifier.js";
import { chain, checkpointAt, key, keyId, keys } from "../../support/chain.js";
import { parsePublicKeys } from "../../../src/accounting/signing.js";

function verify(events: SealedEvent[], checkpoints: Checkpoint[] = []) {
  const v = new ChainVerifier(keys);
  for (const e of events) {
    v.event(e);
    for (const c of checkpoints) if (c.seq === e.seq) v.checkpoint(c);
  }
  return v.reports()[0]!;
}

describe("event hashes", () => {
  it("cover every field, whatever the key order, and nothing else", () => {
    const [e] = chain(1);
    const shuffled = Object.fromEntries(Object.entries(e!).reverse()) as unknown as SealedEvent;
    expect(eventHash(shuffled)).toBe(e!.hash);
    expect(eventHash({ ...e!, hash: "x", extra: 1 } as SealedEvent)).toBe(e!.hash);
    for (const field of ["id", "seq", "prevHash", "occurredAt", "action", "reason", "observer"] as const) {
      const changed = { ...e!, [field]: field === "seq" ? 2 : `${String(e![field])}!` };
      expect(eventHash(changed)).not.toBe(e!.hash);
    }
    expect(eventHash({ ...e!, initiator: { ...e!.initiator, ip: "192.0.2.2" } })).not.toBe(e!.hash);
    // RFC 8785: key order inside nested objects does not matter either.
    expect(eventHash({ ...e!, changes: { name: { after: "n1", before: "n0" } } })).toBe(e!.hash);
  });
});

describe("the canonical JSON of an event", () => {
  const text = fc.string({ unit: "grapheme", maxLength: 12 });
  const nullable = fc.option(text, { nil: null });
  const event = fc.record({
    id: fc.bigInt({ min: 1n, max: 2n ** 62n }).map(String),
    chain: fc.oneof(fc.uuid(), fc.constant("provider")),
    seq: fc.integer({ min: 1, max: 2 ** 40 }),
    prevHash: fc.stringMatching(/^[0-9a-f]{64}$/),
    occurredAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString().replace("Z", "123Z")),
    eventType: fc.constantFrom("activity", "monitor", "control"),
    action: text,
    outcome: fc.constantFrom("success", "failure", "pending"),
    initiator: fc.record({
      kind: fc.constantFrom("user", "client", "system", "anonymous"),
      id: nullable,
      name: nullable,
      ip: nullable,
      userAgent: nullable,
    }),
    targetKind: text,
    targetId: nullable,
    operatorId: fc.option(fc.uuid(), { nil: null }),
    observer: text,
    reason: nullable,
    requestId: nullable,
    // Whatever JSON an update's before/after holds, numbers included.
    changes: fc.option(fc.dictionary(text, fc.record({ before: fc.jsonValue(), after: fc.jsonValue() })), {
      nil: null,
    }),
  });

  it("is exactly what the canonicalize package (RFC 8785) writes for the same fields", () => {
    fc.assert(
      fc.property(event, (e) => {
        const parsed = JSON.parse(JSON.stringify(e)) as ChainedEvent;
        expect(canonicalEvent(parsed)).toBe(canonicalize(parsed));
      }),
      { numRuns: 500 },
    );
  });
});

describe("the chain verifier", () => {
  it("accepts an intact chain with its checkpoints", () => {
    const events = chain(6);
    const first = checkpointAt(events[2]!);
    const r = verify(events, [first, checkpointAt(events[5]!, first)]);
    expect(r).toMatchObject({
      firstSeq: 1,
      lastSeq: 6,
      events: 6,
      checkpoints: 2,
      lastCheckpointSeq: 6,
      firstBad: null,
    });
  });

  it("reports an altered byte at its sequence number", () => {
    const events = chain(6);
    events[3] = { ...events[3]!, action: "updatf" };
    expect(verify(events).firstBad).toEqual({ seq: 4, problem: "event 4 was altered (its hash differs)" });
  });

  it("reports a deleted event at its sequence number", () => {
    const events = chain(6);
    events.splice(2, 1);
    expect(verify(events).firstBad?.seq).toBe(3);
  });

  it("reports two swapped events at the first of them", () => {
    const events = chain(6);
    [events[1], events[4]] = [events[4]!, events[1]!];
    expect(verify(events).firstBad?.seq).toBe(2);
    // Swapped contents under the original sequence numbers break the hash at the first one too.
    const b = chain(6);
    const swapped = b.map((e, i) => (i === 1 ? { ...b[4]!, seq: 2, prevHash: e.prevHash, hash: e.hash } : e));
    expect(verify(swapped).firstBad?.seq).toBe(2);
  });

  it("reports a chain whose first event does not start at the genesis hash", () => {
    const events = chain(2);
    events[0] = { ...events[0]!, prevHash: "f".repeat(64) };
    expect(verify(events).firstBad?.seq).toBe(1);
  });

  it("rejects forged, foreign and mismatching checkpoints", () => {
    const events = chain(4);
    const good = checkpointAt(events[2]!);
    const forged = { ...good, signature: Buffer.alloc(64, 7).toString("base64url") };
    expect(verify(events, [forged]).firstBad).toEqual({
      seq: 3,
      problem: "checkpoint at 3 has a forged signature",
    });
    expect(verify(events, [{ ...good, headHash: events[1]!.hash }]).firstBad?.seq).toBe(3);
    const other = generateKeyPairSync("ed25519");
    expect(
      verify(events, [checkpointAt(events[2]!, null, other.privateKey, "0123456789abcdef")]).firstBad
        ?.problem,
    ).toMatch(/unknown key/);
  });

  it("finds a rewritten chain that is consistent in itself through the signed head", () => {
    const original = chain(5);
    const checkpoint = checkpointAt(original[4]!);
    // Whoever rewrites event 2 and recomputes every hash after it still cannot match the signed head.
    const rewritten: SealedEvent[] = [];
    let prev = GENESIS_HASH;
    for (const e of original) {
      const body = { ...e, prevHash: prev, reason: e.seq === 2 ? "nothing to see" : e.reason };
      const hash = eventHash(body);
      rewritten.push({ ...body, hash });
      prev = hash;
    }
    expect(verify(rewritten).firstBad).toBeNull();
    expect(verify(rewritten, [checkpoint]).firstBad).toEqual({
      seq: 5,
      problem: "the signed head at 5 differs: the chain was rewritten up to it",
    });
  });

  it("continues from an anchor and reports missing events at the head", () => {
    const events = chain(6);
    const v = new ChainVerifier(keys);
    v.anchor(events[0]!.chain, 3, events[2]!.hash);
    for (const e of events.slice(3)) v.event(e);
    v.head(events[0]!.chain, 8);
    expect(v.reports()[0]).toMatchObject({ firstSeq: 4, lastSeq: 6, firstBad: { seq: 7 } });
  });
});

describe("public keys for the offline verifier", () => {
  it("reads PEM, JWK, JWKS and raw base64, all naming the same key", () => {
    const pem = key.publicKey.export({ format: "pem", type: "spki" }).toString();
    const jwk = JSON.stringify({ ...key.publicKey.export({ format: "jwk" }) });
    const raw = Buffer.from(key.publicKey.export({ format: "jwk" }).x!, "base64url");
    const jwks = JSON.stringify({ keys: [key.publicKey.export({ format: "jwk" })] });
    for (const text of [pem, jwk, jwks, raw.toString("base64"), raw.toString("base64url")]) {
      expect([...parsePublicKeys([text]).keys()]).toEqual([keyId]);
    }
    expect(() => parsePublicKeys(["c2hvcnQ="])).toThrow(/not an Ed25519 public key/);
  });
});
