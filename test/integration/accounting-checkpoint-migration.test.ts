import { generateKeyPairSync, sign } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { AccountingCheckpointChain1796515184606 } from "../../migrations/1796515184606-AccountingCheckpointChain.js";
import { GENESIS_HASH, checkpointDigest, checkpointPayload } from "../../src/accounting/chain.js";
import { signChainHeads } from "../../src/accounting/checkpoints.js";
import { recordEvent } from "../../src/accounting/record-event.js";
import { sealPending } from "../../src/accounting/sealer.js";
import { keyIdOf } from "../../src/accounting/signing.js";
import { verifyChain } from "../../src/accounting/verify-chain.js";
import { testSigningSecret } from "../support/accounting.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";

const HOUR = 3_600_000;

describe("the migration numbering and linking the checkpoints signed before it", () => {
  let db: TestDatabase;
  const migration = new AccountingCheckpointChain1796515184606();

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  const rename = (operatorId: string, i: number) =>
    db.ds.transaction((tx) =>
      recordEvent(
        tx,
        { requestId: `m${i}`, principal: null, client: { ip: null, userAgent: null } },
        { action: "update", targetKind: "operator", targetId: operatorId, operatorId },
      ),
    );

  it("numbers each chain's checkpoints in order, links them, and new ones follow on", async () => {
    const provider = await factories(db.ds).provider();
    const ops = [await factories(db.ds).operator(provider.id), await factories(db.ds).operator(provider.id)];
    const runner = db.ds.createQueryRunner();
    await migration.down(runner);
    // Checkpoints as the landed code signed them: version 1 bytes, no number, no link.
    const legacy = generateKeyPairSync("ed25519");
    const x = legacy.publicKey.export({ format: "jwk" }).x!;
    const keyId = keyIdOf(Buffer.from(x, "base64url"));
    await db.ds.query(
      `INSERT INTO accounting_signing_key (key_id, public_key, encrypted_private_key, active) VALUES ($1, $2, 'v1.a.b.c', false)`,
      [keyId, x],
    );
    let i = 0;
    for (const round of [1, 2, 3]) {
      for (const op of ops.slice(0, round === 3 ? 1 : 2)) await rename(op.id, i++);
      await sealPending(db.ds);
      const heads: { chain: string; seq: string; head_hash: string }[] = await db.ds.query(
        `SELECT chain, seq::text AS seq, head_hash FROM accounting_chain WHERE chain = ANY($1)`,
        [ops.map((o) => o.id)],
      );
      for (const h of heads) {
        const unsigned = {
          chain: h.chain,
          seq: Number(h.seq),
          headHash: h.head_hash,
          signedAt: `2026-0${round}-01T10:00:00.000Z`,
          keyId,
          number: 0,
          prevCheckpointHash: "",
          version: 1 as const,
        };
        if (round === 3 && h.chain !== ops[0]!.id) continue;
        await db.ds.query(
          `INSERT INTO accounting_checkpoint (chain, seq, head_hash, signed_at, key_id, signature)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [
            h.chain,
            h.seq,
            h.head_hash,
            unsigned.signedAt,
            keyId,
            sign(null, checkpointPayload(unsigned), legacy.privateKey).toString("base64url"),
          ],
        );
      }
    }
    await migration.up(runner);
    await runner.release();

    type Row = {
      chain: string;
      seq: string;
      number: string;
      prev: string;
      version: number;
      signedAt: Date;
      headHash: string;
    };
    const rows: Row[] = await db.ds.query(
      `SELECT chain, seq::text AS seq, number::text AS number, prev_checkpoint_hash AS prev, version,
                signed_at AS "signedAt", head_hash AS "headHash"
           FROM accounting_checkpoint WHERE chain = $1 ORDER BY seq`,
      [ops[0]!.id],
    );
    expect(rows.map((r) => [Number(r.seq), Number(r.number), r.version])).toEqual([
      [1, 1, 1],
      [2, 2, 1],
      [3, 3, 1],
    ]);
    expect(rows[0]!.prev).toBe(GENESIS_HASH);
    const v1 = (r: Row) => ({
      chain: r.chain,
      seq: Number(r.seq),
      headHash: r.headHash,
      signedAt: r.signedAt.toISOString(),
      keyId,
      number: Number(r.number),
      prevCheckpointHash: r.prev,
      version: 1 as const,
    });
    expect(rows[1]!.prev).toBe(checkpointDigest(v1(rows[0]!)));
    expect(rows[2]!.prev).toBe(checkpointDigest(v1(rows[1]!)));
    const other = await db.ds.query(`SELECT number::int AS n FROM accounting_checkpoint WHERE chain = $1`, [
      ops[1]!.id,
    ]);
    expect(other.map((r: { n: number }) => r.n).sort()).toEqual([1, 2]);

    // Every stored key is trusted without a secret: the legacy checkpoints verify and link.
    const opts = { checkpointIntervalMs: HOUR };
    expect(await verifyChain(db.ds, ops[0]!.id, null, null, null, opts)).toMatchObject({
      ok: true,
      checkpoints: 3,
      lastCheckpointNumber: 3,
    });
    // A new checkpoint (version 2) follows the last legacy one, signed with its number and link.
    await rename(ops[0]!.id, i);
    const made = await signChainHeads(db.ds, Buffer.from(testSigningSecret(), "base64"));
    expect(made.find((c) => c.chain === ops[0]!.id)).toMatchObject({
      number: 4,
      version: 2,
      prevCheckpointHash: checkpointDigest(v1(rows[2]!)),
    });
    expect(await verifyChain(db.ds, ops[0]!.id, null, null, null, opts)).toMatchObject({
      ok: true,
      checkpoints: 4,
      lastCheckpointNumber: 4,
    });
  });
});
