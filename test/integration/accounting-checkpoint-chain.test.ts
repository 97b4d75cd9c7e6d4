import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { sealPending } from "../../src/accounting/sealer.js";
import { parsePublicKeys } from "../../src/accounting/signing.js";
import { verifyExportFile } from "../../src/accounting/verify-export.js";
import { readWitnessFile } from "../../src/accounting/witness-check.js";
import { processMetrics } from "../../src/metrics/registry.js";
import { downloadExport, rewriteChain, tamper, testSigningSecret } from "../support/accounting.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { type TestServer, gql, startTestServer } from "../support/server.js";

const VERIFY = `query($operator: ID, $pinned: ChainPinInput) {
  verifyChain(operator: $operator, pinned: $pinned) { ok firstBadSeq problem eventsChecked checkpointsVerified }
}`;
const VERIFY_PLAIN = `query($operator: ID) {
  verifyChain(operator: $operator) { ok firstBadSeq problem eventsChecked checkpointsVerified }
}`;
const RENAME = `mutation($id: ID!, $n: String!) { updateOperator(id: $id, input: { name: $n }) { id } }`;
const SIGN = `mutation { signChainHeads { chain seq headHash } }`;

describe("checkpoints a superuser cannot quietly remove", () => {
  let db: TestDatabase;
  let server: TestServer;
  let provider: { id: string };
  let witnessUrl: Server;
  const received: string[] = [];
  let refuseNext = 1;
  const witnessFile = path.join(mkdtempSync(path.join(tmpdir(), "fedi-witness-")), "checkpoints.jsonl");

  beforeAll(async () => {
    // A witness that fails its first POST, to see it retried.
    witnessUrl = createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        if (refuseNext-- > 0) return void res.writeHead(503).end();
        received.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => witnessUrl.listen(0, "127.0.0.1", r));
    // The service reads these when it first signs; this file's server is the only one in the process.
    process.env.ACCOUNTING_SIGNING_KEY_SECRET = testSigningSecret();
    process.env.ACCOUNTING_WITNESS_FILE = witnessFile;
    process.env.ACCOUNTING_WITNESS_URL = `http://127.0.0.1:${(witnessUrl.address() as AddressInfo).port}/log`;
    db = await createTestDatabase();
    provider = await factories(db.ds).provider();
    server = await startTestServer(db.ds);
  });
  afterAll(async () => {
    for (const k of ["ACCOUNTING_SIGNING_KEY_SECRET", "ACCOUNTING_WITNESS_FILE", "ACCOUNTING_WITNESS_URL"])
      delete process.env[k];
    await server?.stop();
    await db?.drop();
    await new Promise((r) => witnessUrl.close(r));
  });

  const rename = async (op: { gid: string }, n: string) =>
    expect((await gql(server, RENAME, { id: op.gid, n })).errors).toBeUndefined();

  const sign = async () => {
    const r = await gql(server, SIGN);
    expect(r.errors).toBeUndefined();
    return r.data!.signChainHeads as { chain: string; seq: number; headHash: string }[];
  };

  const verify = async (op: { gid: string }, pinned?: { seq: number; headHash: string }) => {
    const r = pinned
      ? await gql(server, VERIFY, { operator: op.gid, pinned })
      : await gql(server, VERIFY_PLAIN, { operator: op.gid });
    expect(r.errors).toBeUndefined();
    return r.data!.verifyChain;
  };

  const offline = async (op: { gid: string }, opts: { witness?: boolean } = {}) => {
    const exp = await downloadExport(server, `operator=${op.gid}`);
    expect(exp.status).toBe(200);
    const keys = parsePublicKeys([await (await fetch(`${server.url}/accounting/keys`)).text()]);
    const witness = opts.witness ? (await readWitnessFile(witnessFile, keys)).checkpoints : [];
    return verifyExportFile(exp.file, keys, { witness });
  };

  /** Events written as they were hours ago (an insert, as any writer does), then sealed. */
  const pastEvents = async (op: { id: string }, n: number, hoursAgo: number) => {
    for (let i = 0; i < n; i++) {
      await db.ds.query(
        `INSERT INTO accounting_event (occurred_at, event_type, action, outcome, initiator, target_kind, target_id, operator_id)
         VALUES (now() - $2 * interval '1 hour', 'activity', 'update', 'success',
                 '{"kind":"system","id":null,"name":"test","ip":null,"userAgent":null}', 'operator', $1::text, $1::uuid)`,
        [op.id, hoursAgo],
      );
    }
    await sealPending(db.ds);
  };

  it("fails both verifiers when a superuser rewrites a chain, recomputes its hashes and deletes its checkpoints", async () => {
    const op = await factories(db.ds).operator(provider.id);
    await pastEvents(op, 4, 3);
    expect(await sign()).toContainEqual(expect.objectContaining({ chain: op.id, seq: 4 }));
    expect(await verify(op)).toMatchObject({ ok: true, checkpointsVerified: 1 });

    await rewriteChain(db.ds, op.id, [
      [
        `UPDATE accounting_event SET reason = 'nothing happened'
          WHERE id = (SELECT event_id FROM accounting_seal WHERE chain = $1 AND seq = 2)`,
        [op.id],
      ],
      [`DELETE FROM accounting_checkpoint WHERE chain = $1`, [op.id]],
    ]);
    // The landed code said ok with 0 checkpoints verified; events 3 h old that no checkpoint signs are a finding.
    expect(await verify(op)).toMatchObject({
      ok: false,
      firstBadSeq: 1,
      problem: expect.stringMatching(/^events from 1 on .* are signed by no checkpoint/),
    });
    const result = await offline(op);
    expect(result.ok).toBe(false);
    expect(result.chains[0]!.firstBad).toEqual({
      seq: 1,
      problem: expect.stringMatching(/signed by no checkpoint/),
    });
  });

  it("finds a checkpoint deleted from the middle of the chain of checkpoints, online and offline", async () => {
    const op = await factories(db.ds).operator(provider.id);
    for (let i = 1; i <= 3; i++) {
      await rename(op, `Middle ${i}`);
      await sign();
    }
    expect(await verify(op)).toMatchObject({ ok: true, checkpointsVerified: 3 });
    // Checkpoint 2 signs event 2.
    await tamper(db.ds, [[`DELETE FROM accounting_checkpoint WHERE chain = $1 AND seq = $2`, [op.id, 2]]]);
    const problem = "checkpoint 2 is missing (the one at 3 is number 3)";
    expect(await verify(op)).toMatchObject({ ok: false, firstBadSeq: 3, problem });
    const result = await offline(op);
    expect(result.ok).toBe(false);
    expect(result.chains[0]!.firstBad).toEqual({ seq: 3, problem });
  });

  it("reports events that waited over twice the checkpoint interval for a checkpoint", async () => {
    const op = await factories(db.ds).operator(provider.id);
    await rename(op, "Signed");
    await sign();
    await pastEvents(op, 1, 3);
    const report = await verify(op);
    expect(report).toMatchObject({ ok: false, firstBadSeq: 2, checkpointsVerified: 1 });
    expect(report.problem).toMatch(
      /^events from 2 on \(the oldest occurred at .*\) are signed by no checkpoint/,
    );
    expect((await offline(op)).chains[0]!.firstBad?.seq).toBe(2);
  });

  it("catches a truncated chain of checkpoints with a pin or the witness file, retried to the witness URL", async () => {
    const op = await factories(db.ds).operator(provider.id);
    await rename(op, "T1");
    await rename(op, "T2");
    await sign();
    await rename(op, "T3");
    await rename(op, "T4");
    const head = (await sign()).find((c) => c.chain === op.id)!;
    expect(head.seq).toBe(4);
    const pin = { seq: head.seq, headHash: head.headHash };
    expect(await verify(op, pin)).toMatchObject({ ok: true, checkpointsVerified: 2 });

    // Deleting the last checkpoint (number 2, at 4) alone leaves a chain that holds in itself ...
    await tamper(db.ds, [[`DELETE FROM accounting_checkpoint WHERE chain = $1 AND seq = $2`, [op.id, 4]]]);
    expect(await verify(op)).toMatchObject({ ok: true, checkpointsVerified: 1 });
    // ... but not the pin, nor the witness.
    expect(await verify(op, pin)).toMatchObject({
      ok: false,
      firstBadSeq: 4,
      problem: "the pinned checkpoint at 4 is missing",
    });
    expect((await offline(op, { witness: true })).chains[0]!.firstBad).toEqual({
      seq: 4,
      problem: "the checkpoint 2 at 4 that the witness holds is missing",
    });

    // Then event 3 is rewritten and every hash after it recomputed: the head differs from what was pinned.
    await rewriteChain(db.ds, op.id, [
      [
        `UPDATE accounting_event SET reason = 'rewritten'
          WHERE id = (SELECT event_id FROM accounting_seal WHERE chain = $1 AND seq = 3)`,
        [op.id],
      ],
    ]);
    expect(await verify(op)).toMatchObject({ ok: true });
    expect(await verify(op, pin)).toMatchObject({
      ok: false,
      firstBadSeq: 4,
      problem: "event 4 differs from the pinned checkpoint at 4",
    });
    const result = await offline(op, { witness: true });
    expect(result.ok).toBe(false);
    expect(result.chains[0]!.firstBad).toEqual({
      seq: 4,
      problem: "event 4 differs from the checkpoint 2 at 4 that the witness holds",
    });

    // The witness file holds one line per checkpoint; the URL got the same lines, after one refused POST.
    const lines = readFileSync(witnessFile, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toContainEqual(
      expect.objectContaining({ type: "checkpoint", chain: op.id, number: 2, seq: 4 }),
    );
    const until = Date.now() + 15_000;
    while (!received.join("").includes(head.headHash) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 100));
    expect(received.join("")).toContain(`"chain":"${op.id}","seq":4,"headHash":"${head.headHash}"`);
    expect(
      await processMetrics.getSingleMetricAsString("fedicentral_accounting_witness_failures_total"),
    ).toMatch(/sink="url"} [1-9]/);
  });

  it("refuses a pin that is not a head hash", async () => {
    const op = await factories(db.ds).operator(provider.id);
    const r = await gql(server, VERIFY, { operator: op.gid, pinned: { seq: 1, headHash: "abc" } });
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "pinned.headHash" });
  });
});
