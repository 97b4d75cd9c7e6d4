import { generateKeyPairSync, sign } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Client } from "pg";
import { startAccountingWorker } from "../../src/accounting/accounting-worker.js";
import { sealPending } from "../../src/accounting/sealer.js";
import { checkpointPayload } from "../../src/accounting/chain.js";
import { keyIdOf, parsePublicKeys } from "../../src/accounting/signing.js";
import { verifyExportFile } from "../../src/accounting/verify-export.js";
import { createDataSource } from "../../src/db/data-source.js";
import { createLogger } from "../../src/logger.js";
import type { RunningServer } from "../../src/server.js";
import { downloadExport, tamper, testSigningSecret } from "../support/accounting.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { gql, startTestServer } from "../support/server.js";

const VERIFY = `query($operator: ID, $from: DateTimeISO, $to: DateTimeISO) {
  verifyChain(operator: $operator, from: $from, to: $to) {
    chain ok firstBadSeq problem fromSeq toSeq eventsChecked checkpointsVerified lastCheckpointSeq unsealedEvents
  }
}`;
const RENAME = `mutation($id: ID!, $n: String!) { updateOperator(id: $id, input: { name: $n }) { id } }`;

describe("hash chains", () => {
  let db: TestDatabase;
  let server: RunningServer;
  let provider: { id: string };
  const secret = testSigningSecret();

  beforeAll(async () => {
    // The service reads the secret when it first signs; this file's server is the only one in the process.
    process.env.ACCOUNTING_SIGNING_KEY_SECRET = secret;
    db = await createTestDatabase();
    provider = await factories(db.ds).provider();
    server = await startTestServer(db.ds);
  });
  afterAll(async () => {
    delete process.env.ACCOUNTING_SIGNING_KEY_SECRET;
    await server?.stop();
    await db?.drop();
  });

  /** An operator whose chain holds n sealed rename events after its creation, and a signed head. */
  async function operatorWithChain(n: number) {
    const op = await factories(db.ds).operator(provider.id);
    for (let i = 1; i <= n; i++) {
      const r = await gql(server, RENAME, { id: op.gid, n: `Name ${i}` });
      expect(r.errors).toBeUndefined();
    }
    const signed = await gql(server, `mutation { signChainHeads { chain seq keyId } }`);
    expect(signed.errors).toBeUndefined();
    expect(signed.data!.signChainHeads).toContainEqual(expect.objectContaining({ chain: op.id, seq: n }));
    return op;
  }

  const verify = async (operator: string | null, range: { from?: string; to?: string } = {}) => {
    const res = await gql(server, VERIFY, { operator, ...range });
    expect(res.errors).toBeUndefined();
    return res.data!.verifyChain;
  };

  const offline = async (op: { gid: string }) => {
    const exp = await downloadExport(server, `operator=${op.gid}`);
    expect(exp.status).toBe(200);
    const jwks = await (await fetch(`${server.url}/accounting/keys`)).text();
    return verifyExportFile(exp.file, parsePublicKeys([jwks]));
  };

  it("keeps a gap-free, linear chain under 100 concurrent mutations, sealed while they run", async () => {
    const op = await factories(db.ds).operator(provider.id);
    const bystander = await factories(db.ds).operator(provider.id);
    const worker = startAccountingWorker(db.ds, createLogger("silent"), {
      observer: "fedicentral",
      signingKeySecret: null,
      checkpointIntervalMs: 3_600_000,
      sealIntervalMs: 20,
    });
    try {
      const results = await Promise.all([
        ...Array.from({ length: 100 }, (_, i) => gql(server, RENAME, { id: op.gid, n: `Concurrent ${i}` })),
        ...Array.from({ length: 10 }, (_, i) =>
          gql(server, RENAME, { id: bystander.gid, n: `Bystander ${i}` }),
        ),
      ]);
      expect(results.filter((r) => r.errors)).toEqual([]);
    } finally {
      await worker.stop();
    }
    const seals: { seq: string; prev: string; hash: string }[] = await db.ds.query(
      `SELECT s.seq::text AS seq, s.prev_hash AS prev, s.hash FROM accounting_seal s WHERE s.chain = $1 ORDER BY s.seq`,
      [op.id],
    );
    expect(seals.map((s) => Number(s.seq))).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    seals.forEach((s, i) => expect(s.prev).toBe(i === 0 ? "0".repeat(64) : seals[i - 1]!.hash));
    // Every event of the operator has exactly one seal, and none is left over.
    const [n] = await db.ds.query(
      `SELECT count(*)::int AS events, count(s.event_id)::int AS sealed FROM accounting_event e
         LEFT JOIN accounting_seal s ON s.event_id = e.id WHERE e.operator_id = $1`,
      [op.id],
    );
    expect(n).toEqual({ events: 100, sealed: 100 });
    expect(await verify(op.gid)).toMatchObject({
      ok: true,
      firstBadSeq: null,
      eventsChecked: 100,
      toSeq: 100,
    });
    expect(await verify(bystander.gid)).toMatchObject({ ok: true, eventsChecked: 10 });
  });

  it("verifies a stretch by time and an untouched chain online and offline, checkpoints included", async () => {
    const op = await operatorWithChain(5);
    expect(await verify(op.gid)).toMatchObject({
      ok: true,
      fromSeq: 1,
      toSeq: 5,
      eventsChecked: 5,
      checkpointsVerified: 1,
      lastCheckpointSeq: 5,
      unsealedEvents: 0,
    });
    const [third] = await db.ds.query(
      `SELECT e.occurred_at::text AS at FROM accounting_seal s JOIN accounting_event e ON e.id = s.event_id
        WHERE s.chain = $1 AND s.seq = 3`,
      [op.id],
    );
    const from = new Date(third.at).toISOString();
    expect(await verify(op.gid, { from })).toMatchObject({
      ok: true,
      fromSeq: 3,
      toSeq: 5,
      eventsChecked: 3,
    });
    const result = await offline(op);
    expect(result.ok).toBe(true);
    // The export's own read event comes after the signed head, as event 6.
    expect(result.chains).toEqual([
      expect.objectContaining({
        chain: op.id,
        firstSeq: 1,
        lastSeq: 6,
        checkpoints: 1,
        lastCheckpointSeq: 5,
        firstBad: null,
      }),
    ]);
  });

  it("reports a byte changed by a superuser at its sequence number, online and offline", async () => {
    const op = await operatorWithChain(8);
    await tamper(db.ds, [
      [
        `UPDATE accounting_event SET action = 'updatf'
          WHERE id = (SELECT event_id FROM accounting_seal WHERE chain = $1 AND seq = 4)`,
        [op.id],
      ],
    ]);
    expect(await verify(op.gid)).toMatchObject({
      ok: false,
      firstBadSeq: 4,
      problem: "event 4 was altered (its hash differs)",
    });
    const result = await offline(op);
    expect(result.ok).toBe(false);
    expect(result.chains[0]!.firstBad?.seq).toBe(4);
  });

  it("reports a deleted event at its sequence number, with or without its seal", async () => {
    const op = await operatorWithChain(8);
    await tamper(db.ds, [
      [
        `WITH gone AS (DELETE FROM accounting_seal WHERE chain = $1 AND seq = 6 RETURNING event_id)
         DELETE FROM accounting_event WHERE id IN (SELECT event_id FROM gone)`,
        [op.id],
      ],
    ]);
    expect(await verify(op.gid)).toMatchObject({ ok: false, firstBadSeq: 6 });
    expect((await offline(op)).chains[0]!.firstBad?.seq).toBe(6);

    const op2 = await operatorWithChain(4);
    await tamper(db.ds, [
      [
        `DELETE FROM accounting_event WHERE id = (SELECT event_id FROM accounting_seal WHERE chain = $1 AND seq = 2)`,
        [op2.id],
      ],
    ]);
    expect(await verify(op2.gid)).toMatchObject({ ok: false, firstBadSeq: 2 });
    expect((await offline(op2)).chains[0]!.firstBad?.seq).toBe(2);
  });

  it("reports two reordered events at the first of them", async () => {
    const op = await operatorWithChain(8);
    const swap = `UPDATE accounting_seal SET seq = $2 WHERE chain = $1 AND seq = $3`;
    await tamper(db.ds, [
      [swap, [op.id, -1, 3]],
      [swap, [op.id, 3, 7]],
      [swap, [op.id, 7, -1]],
    ]);
    expect(await verify(op.gid)).toMatchObject({ ok: false, firstBadSeq: 3 });
    expect((await offline(op)).chains[0]!.firstBad?.seq).toBe(3);
  });

  it("reports events removed from the end of a chain", async () => {
    const op = await operatorWithChain(3);
    // Dropping the last event and its seal and rewinding the head leaves a consistent chain of 2 ...
    await tamper(db.ds, [
      [
        `WITH gone AS (DELETE FROM accounting_seal WHERE chain = $1 AND seq = 3 RETURNING event_id)
         DELETE FROM accounting_event WHERE id IN (SELECT event_id FROM gone)`,
        [op.id],
      ],
    ]);
    // ... but the chain head still says 3.
    expect(await verify(op.gid)).toMatchObject({
      ok: false,
      firstBadSeq: 3,
      problem: "events 3 to 3 are missing",
    });
  });

  it("rejects a forged checkpoint signature", async () => {
    const op = await operatorWithChain(4);
    const [head] = await db.ds.query(`SELECT head_hash, seq FROM accounting_chain WHERE chain = $1`, [op.id]);
    const [key] = await db.ds.query(`SELECT key_id FROM accounting_signing_key WHERE active`);
    await db.ds.query(
      `INSERT INTO accounting_checkpoint (chain, seq, head_hash, signed_at, key_id, signature, number, prev_checkpoint_hash, version)
       VALUES ($1, $2, $3, now(), $4, $5, 2, $6, 2)`,
      [
        op.id,
        head.seq,
        head.head_hash,
        key.key_id,
        Buffer.alloc(64, 1).toString("base64url"),
        "0".repeat(64),
      ],
    );
    expect(await verify(op.gid)).toMatchObject({
      ok: false,
      firstBadSeq: 4,
      problem: "checkpoint at 4 has a forged signature",
    });
    const result = await offline(op);
    expect(result.chains[0]!.firstBad).toEqual({ seq: 4, problem: "checkpoint at 4 has a forged signature" });
  });

  it("trusts no signing key added behind its back, neither to verify nor to publish", async () => {
    const op = await operatorWithChain(2);
    const [head] = await db.ds.query(
      `SELECT head_hash, seq::int AS seq FROM accounting_chain WHERE chain = $1`,
      [op.id],
    );
    // Whoever can write the database but lacks the secret brings a key of their own and signs with it.
    const mallory = generateKeyPairSync("ed25519");
    const x = mallory.publicKey.export({ format: "jwk" }).x!;
    const keyId = keyIdOf(Buffer.from(x, "base64url"));
    await db.ds.query(
      `INSERT INTO accounting_signing_key (key_id, public_key, encrypted_private_key, active) VALUES ($1, $2, 'v1.a.b.c', false)`,
      [keyId, x],
    );
    const unsigned = {
      chain: op.id,
      seq: head.seq,
      headHash: head.head_hash,
      signedAt: new Date().toISOString(),
      keyId,
      number: 2,
      prevCheckpointHash: "0".repeat(64),
      version: 2 as const,
    };
    await db.ds.query(
      `INSERT INTO accounting_checkpoint (chain, seq, head_hash, signed_at, key_id, signature, number, prev_checkpoint_hash, version)
       VALUES ($1, $2, $3, $4, $5, $6, 2, $7, 2)`,
      [
        op.id,
        head.seq,
        head.head_hash,
        unsigned.signedAt,
        keyId,
        sign(null, checkpointPayload(unsigned), mallory.privateKey).toString("base64url"),
        unsigned.prevCheckpointHash,
      ],
    );
    expect(await verify(op.gid)).toMatchObject({
      ok: false,
      firstBadSeq: 2,
      problem: `checkpoint at 2 is signed by unknown key ${keyId}`,
    });
    const published = (await (await fetch(`${server.url}/accounting/keys`)).json()) as {
      keys: { kid: string }[];
    };
    expect(published.keys.map((k) => k.kid)).not.toContain(keyId);
    expect(published.keys.length).toBeGreaterThan(0);
  });

  it("refuses UPDATE, DELETE and TRUNCATE of the log for the service's own (non-superuser) role", async () => {
    const op = await operatorWithChain(1);
    const role = `fedi_service_${db.name.slice(-12)}`;
    await db.ds.query(`CREATE ROLE ${role} NOLOGIN NOSUPERUSER`);
    try {
      await db.ds.query(`GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role}`);
      await db.ds.query(`GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
      const c = new Client({ connectionString: db.url });
      await c.connect();
      try {
        await c.query(`SET ROLE ${role}`);
        // It may write new events, as the service does ...
        await c.query(
          `INSERT INTO accounting_event (event_type, action, outcome, initiator, target_kind, operator_id)
           VALUES ('activity', 'create', 'success', '{}', 'test', $1)`,
          [op.id],
        );
        // ... but change none, however it tries.
        for (const table of ["accounting_event", "accounting_seal", "accounting_checkpoint"]) {
          const update =
            { accounting_event: "reason = 'x'", accounting_seal: "hash = hash" }[table] ??
            "signature = signature";
          for (const sql of [
            `UPDATE ${table} SET ${update}`,
            `DELETE FROM ${table}`,
            `TRUNCATE ${table} CASCADE`,
          ]) {
            await expect(c.query(sql)).rejects.toThrow(/refused: the accounting log is append-only/);
          }
        }
      } finally {
        await c.end();
      }
    } finally {
      await db.ds.query(`DROP OWNED BY ${role}`);
      await db.ds.query(`DROP ROLE ${role}`);
    }
    expect(
      (
        await db.ds.query(`SELECT count(*)::int AS n FROM accounting_event WHERE operator_id = $1`, [op.id])
      )[0].n,
    ).toBe(2);
  });

  it("seals as a role that cannot see other roles' transactions, bounded by the whole server's", async () => {
    const op = await factories(db.ds).operator(provider.id);
    const role = `fedi_sealer_${db.name.slice(-12)}`;
    await db.ds.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER`);
    const url = new URL(db.url);
    url.username = role;
    const ds = createDataSource({ url: url.toString(), log: createLogger("silent"), poolSize: 2 });
    try {
      await db.ds.query(`GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role}`);
      await db.ds.query(`GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
      await ds.initialize();
      for (let i = 0; i < 3; i++) await gql(server, RENAME, { id: op.gid, n: `Role ${i}` });
      // The bound is the oldest transaction of the whole server: another database's may hold it back a moment.
      const sealed = async () =>
        (await db.ds.query(`SELECT count(*)::int AS n FROM accounting_seal WHERE chain = $1`, [op.id]))[0].n;
      const until = Date.now() + 20_000;
      while ((await sealPending(ds)) >= 0 && (await sealed()) < 3 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(await sealed()).toBe(3);
    } finally {
      if (ds.isInitialized) await ds.destroy();
      await db.ds.query(`DROP OWNED BY ${role}`);
      await db.ds.query(`DROP ROLE ${role}`);
    }
  });

  it("signs every chain head hourly by itself, and only heads that moved", async () => {
    const op = await factories(db.ds).operator(provider.id);
    await gql(server, RENAME, { id: op.gid, n: "Hourly" });
    const worker = startAccountingWorker(db.ds, createLogger("silent"), {
      observer: "fedicentral",
      signingKeySecret: Buffer.from(secret, "base64"),
      checkpointIntervalMs: 1000,
      sealIntervalMs: 20,
    });
    try {
      const signedHead = async () =>
        (
          await db.ds.query(`SELECT max(seq)::int AS seq FROM accounting_checkpoint WHERE chain = $1`, [
            op.id,
          ])
        )[0].seq;
      const until = Date.now() + 20_000;
      while ((await signedHead()) !== 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(await signedHead()).toBe(1);
    } finally {
      await worker.stop();
    }
    const heads = await gql(
      server,
      `{ chainHeads { chain seq operator { slug } lastCheckpoint { seq keyId signature } } }`,
    );
    expect(heads.data!.chainHeads).toContainEqual(
      expect.objectContaining({
        chain: op.id,
        seq: 1,
        operator: { slug: op.slug },
        lastCheckpoint: expect.objectContaining({ seq: 1 }),
      }),
    );
    // Nothing moved: signing again makes no checkpoint for it.
    const again = await gql(server, `mutation { signChainHeads { chain } }`);
    expect(again.data!.signChainHeads.map((c: { chain: string }) => c.chain)).not.toContain(op.id);
  });

  it("seals nothing twice and lets concurrent sealers take turns", async () => {
    const op = await factories(db.ds).operator(provider.id);
    await Promise.all(Array.from({ length: 20 }, (_, i) => gql(server, RENAME, { id: op.gid, n: `S${i}` })));
    await Promise.all([sealPending(db.ds, 3), sealPending(db.ds, 3), sealPending(db.ds, 3)]);
    await sealPending(db.ds);
    const [n] = await db.ds.query(
      `SELECT count(*)::int AS unsealed FROM accounting_event e
        WHERE NOT EXISTS (SELECT 1 FROM accounting_seal s WHERE s.event_id = e.id)`,
    );
    expect(n.unsealed).toBe(0);
    expect(await verify(op.gid)).toMatchObject({ ok: true, eventsChecked: 20 });
  });
});
