import { readFileSync } from "node:fs";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import express from "express";
import { accountingHttp } from "../../src/accounting/accounting-http.js";
import { parsePublicKeys } from "../../src/accounting/signing.js";
import { verifyExportFile } from "../../src/accounting/verify-export.js";
import { createLogger } from "../../src/logger.js";
import { downloadExport, testSigningSecret } from "../support/accounting.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { type TestServer, gql, startTestServer } from "../support/server.js";

const RENAME = `mutation($id: ID!, $n: String!) { updateOperator(id: $id, input: { name: $n }) { id } }`;

describe("accounting export over HTTP", () => {
  let db: TestDatabase;
  let server: TestServer;
  let op: { id: string; gid: string; slug: string };
  let jwks: string;

  beforeAll(async () => {
    process.env.ACCOUNTING_SIGNING_KEY_SECRET = testSigningSecret();
    db = await createTestDatabase();
    const f = factories(db.ds);
    const provider = await f.provider();
    op = await f.operator(provider.id);
    server = await startTestServer(db.ds);
    // Two checkpoints inside the chain: after event 3 and after event 6, then one more unsigned event.
    for (let i = 1; i <= 7; i++) {
      expect((await gql(server, RENAME, { id: op.gid, n: `Name, "quoted"\n${i}` })).errors).toBeUndefined();
      if (i === 3 || i === 6)
        expect((await gql(server, `mutation { signChainHeads { seq } }`)).errors).toBeUndefined();
    }
    await gql(server, `mutation { signChainHeads { seq } }`);
    jwks = await (await fetch(`${server.url}/accounting/keys`)).text();
  });
  afterAll(async () => {
    delete process.env.ACCOUNTING_SIGNING_KEY_SECRET;
    await server?.stop();
    await db?.drop();
  });

  it("publishes the public keys as a JWKS and over GraphQL alike", async () => {
    const res = await fetch(`${server.url}/accounting/keys`);
    expect(res.status).toBe(200);
    const body = JSON.parse(jwks) as {
      keys: { kty: string; crv: string; kid: string; x: string; active: boolean }[];
    };
    expect(body.keys).toHaveLength(1);
    expect(body.keys[0]).toMatchObject({
      kty: "OKP",
      crv: "Ed25519",
      alg: "EdDSA",
      use: "sig",
      active: true,
    });
    const gq = await gql(server, `{ accountingPublicKeys { keyId algorithm publicKey pem jwk active } }`);
    expect(gq.data!.accountingPublicKeys).toEqual([
      expect.objectContaining({
        keyId: body.keys[0]!.kid,
        publicKey: body.keys[0]!.x,
        algorithm: "Ed25519",
        active: true,
      }),
    ]);
    expect([...parsePublicKeys([gq.data!.accountingPublicKeys[0].pem]).keys()]).toEqual([body.keys[0]!.kid]);
  });

  it("streams an operator's chain as JSON lines with the checkpoints right after their events", async () => {
    const exp = await downloadExport(server, `operator=${op.gid}&format=jsonl`);
    expect(exp.status).toBe(200);
    expect(exp.headers.get("content-type")).toMatch(/^application\/jsonl/);
    expect(exp.headers.get("content-disposition")).toMatch(
      new RegExp(`attachment; filename="accounting-${op.id}-`),
    );
    const lines = readFileSync(exp.file, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ type: "export", format: "fedicentral-accounting/1", chain: op.id });
    const kinds = lines
      .slice(1)
      .map((l) => (l.type === "event" ? `e${l.seq}` : l.type === "checkpoint" ? `c${l.seq}` : l.type));
    // After the signed head come the read events of exports (this one's included), not signed yet.
    expect(kinds.slice(0, 10)).toEqual(["e1", "e2", "e3", "c3", "e4", "e5", "e6", "c6", "e7", "c7"]);
    expect(lines.slice(11, -1).every((l) => l.type === "event" && l.action === "read")).toBe(true);
    expect(lines.at(-1)).toEqual({ type: "end", events: lines.length - 5, checkpoints: 3 });
    expect(lines[1]).toMatchObject({
      chain: op.id,
      seq: 1,
      prevHash: "0".repeat(64),
      action: "update",
      targetKind: "operator",
    });
    const result = await verifyExportFile(exp.file, parsePublicKeys([jwks]));
    expect(result).toMatchObject({ ok: true, events: lines.length - 5, checkpoints: 3, problems: [] });
  });

  it("writes CSV that the offline verifier reads as exactly", async () => {
    const exp = await downloadExport(server, `operator=${op.gid}&format=csv`);
    expect(exp.status).toBe(200);
    expect(exp.headers.get("content-type")).toMatch(/^text\/csv/);
    const text = readFileSync(exp.file, "utf8");
    expect(text.split("\n")[0]).toBe(
      "record,chain,seq,prev_hash,hash,id,occurred_at,event_type,action,outcome,initiator,target_kind,target_id," +
        "operator_id,observer,reason,request_id,changes,signed_at,key_id,signature,checkpoint_number," +
        "prev_checkpoint_hash,checkpoint_version",
    );
    const result = await verifyExportFile(exp.file, parsePublicKeys([jwks]));
    expect(result).toMatchObject({ ok: true, checkpoints: 3 });
    expect(result.events).toBeGreaterThanOrEqual(8);
  });

  it("exports the stretch of events that occurred in [from, to), and says a cut-off file is incomplete", async () => {
    const times: { at: string }[] = await db.ds.query(
      `SELECT e.occurred_at::text AS at FROM accounting_seal s JOIN accounting_event e ON e.id = s.event_id
        WHERE s.chain = $1 ORDER BY s.seq`,
      [op.id],
    );
    const from = new Date(times[3]!.at).toISOString();
    const to = new Date(Date.parse(times[5]!.at) + 1).toISOString();
    const exp = await downloadExport(server, `operator=${op.gid}&from=${from}&to=${to}`);
    const events = readFileSync(exp.file, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l))
      .filter((l) => l.type === "event");
    expect(events.map((e) => e.seq)).toEqual([4, 5, 6]);
    const result = await verifyExportFile(exp.file, parsePublicKeys([jwks]));
    expect(result.ok).toBe(true);
    expect(result.chains[0]).toMatchObject({ firstSeq: 4, lastSeq: 6, checkpoints: 1 });

    const { writeFileSync } = await import("node:fs");
    writeFileSync(exp.file, readFileSync(exp.file, "utf8").split("\n").slice(0, 3).join("\n") + "\n");
    const cut = await verifyExportFile(exp.file, parsePublicKeys([jwks]));
    expect(cut.ok).toBe(false);
    expect(cut.problems).toEqual(["the export has no end record: it was cut off"]);
  });

  it("exports every chain without an operator, and records who exported what", async () => {
    const before = Number(
      (await db.ds.query(`SELECT count(*)::int AS n FROM accounting_event WHERE action = 'read'`))[0].n,
    );
    const exp = await downloadExport(server, "");
    expect(exp.status).toBe(200);
    const result = await verifyExportFile(exp.file, parsePublicKeys([jwks]));
    expect(result.ok).toBe(true);
    expect(result.chains.map((c) => c.chain)).toEqual(expect.arrayContaining([op.id, "provider"]));
    const reads = await db.ds.query(
      `SELECT target_kind, target_id FROM accounting_event WHERE action = 'read' ORDER BY id`,
    );
    expect(reads.length).toBe(before + 1);
    expect(reads.at(-1)).toEqual({ target_kind: "accounting_log", target_id: "all" });
  });

  it("answers 400 for bad parameters and 404 for an unknown operator", async () => {
    const status = async (q: string) =>
      (
        await fetch(`${server.url}/accounting/export?${q}`, {
          headers: { authorization: `Bearer ${server.token}` },
        })
      ).status;
    expect(await status("format=xml")).toBe(400);
    expect(await status("operator=nope")).toBe(400);
    expect(await status("from=yesterday")).toBe(400);
    expect(await status("from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z")).toBe(400);
    const gone = Buffer.from("Operator:00000000-0000-4000-8000-000000000000").toString("base64url");
    expect(await status(`operator=${gone}`)).toBe(404);
  });

  it("asks the pluggable authorizer, with accounting:read and the operator, before exporting", async () => {
    const asked: unknown[] = [];
    const app = express();
    app.use(
      "/accounting",
      accountingHttp({
        ds: db.ds,
        log: createLogger("silent"),
        authorize: async (_req, permission, operatorId) => {
          asked.push([permission, operatorId]);
          return { allow: false, status: 403, message: "auditors only" };
        },
      }),
    );
    const s = http.createServer(app);
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    try {
      const port = (s.address() as { port: number }).port;
      const res = await fetch(`http://127.0.0.1:${port}/accounting/export?operator=${op.gid}`);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: "auditors only" });
      expect(asked).toEqual([["accounting:read", op.id]]);
    } finally {
      await new Promise((r) => s.close(r));
    }
  });
});
