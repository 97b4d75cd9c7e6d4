import { describe, expect, it } from "@jest/globals";
import { type ChainedEvent, GENESIS_HASH, eventHash } from "../../../src/accounting/chain.js";
import { parseLine } from "../../../src/accounting/export-line.js";

const event = (seq: number, over: Record<string, unknown> = {}) => {
  const e: ChainedEvent = {
    id: String(seq),
    // A tampered chain key may hold anything, a line break included.
    chain: seq === 2 ? "pro\nvider" : "provider",
    seq,
    prevHash: GENESIS_HASH,
    occurredAt: "2026-01-01T00:00:00.000001Z",
    eventType: "activity",
    action: "sign",
    outcome: "success",
    initiator: { kind: "system", id: null, name: null, ip: null, userAgent: null },
    targetKind: "accounting_checkpoint",
    targetId: null,
    operatorId: null,
    observer: "fedicentral",
    reason: "line\nbreak inside a value",
    requestId: null,
    changes: null,
  };
  return JSON.stringify({ type: "event", ...e, hash: eventHash(e), ...over });
};

describe("export lines", () => {
  const lines = [
    '{"type":"export","format":"fedicentral-accounting/1"}',
    event(1),
    "",
    event(2, { action: "tampered" }),
    "{not json",
    '{"type":"checkpoint","chain":"provider","seq":2}',
    '{"type":"end","events":2,"checkpoints":1}',
  ];

  it("parse, and hash their events, each on its own", () => {
    const direct = lines.map(parseLine);
    expect(direct.map((p) => p.kind)).toEqual([
      "record",
      "event",
      "blank",
      "event",
      "invalid",
      "record",
      "record",
    ]);
    expect(direct.filter((p) => p.kind === "event").map((p) => p.kind === "event" && p.hashMatches)).toEqual([
      true,
      false,
    ]);
    // A tampered chain key may hold anything; the link fields come out as the line has them.
    expect(direct[3]).toMatchObject({ kind: "event", link: { chain: "pro\nvider", seq: 2 } });
  });
});
