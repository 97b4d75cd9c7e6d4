// The README's recipe for verifying a checkpoint by hand, followed with node:crypto alone: nothing of the
// project's code computes the bytes, the key id or the signature check here (only the server runs it).
import { createHash, createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { downloadExport, testSigningSecret } from "../support/accounting.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { type TestServer, gql, startTestServer } from "../support/server.js";

// The recipe's values, written out by hand from the README.
const TYPE_V2 = "fedicentral.accounting.checkpoint.v2";
const GENESIS = "0".repeat(64);

type Line = {
  chain: string;
  seq: number;
  headHash: string;
  signedAt: string;
  keyId: string;
  number: number;
  prevCheckpointHash: string;
  version: number;
  signature: string;
};

/** The members sorted by name (RFC 8785 for ASCII text and integers), no whitespace. */
const signedBytes = (c: Line) =>
  Buffer.from(
    JSON.stringify({
      chain: c.chain,
      headHash: c.headHash,
      keyId: c.keyId,
      number: c.number,
      prevCheckpointHash: c.prevCheckpointHash,
      seq: c.seq,
      signedAt: c.signedAt,
      type: TYPE_V2,
    }),
    "utf8",
  );

describe("a checkpoint verified by hand, as the README says", () => {
  let db: TestDatabase;
  let server: TestServer;

  beforeAll(async () => {
    process.env.ACCOUNTING_SIGNING_KEY_SECRET = testSigningSecret();
    db = await createTestDatabase();
    server = await startTestServer(db.ds);
  });
  afterAll(async () => {
    delete process.env.ACCOUNTING_SIGNING_KEY_SECRET;
    await server?.stop();
    await db?.drop();
  });

  it("checks the key id, the signature and the link of exported checkpoints with node:crypto only", async () => {
    const provider = await factories(db.ds).provider();
    const op = await factories(db.ds).operator(provider.id);
    for (const n of ["One", "Two"]) {
      const r = await gql(
        server,
        `mutation($id: ID!, $n: String!) { updateOperator(id: $id, input: { name: $n }) { id } }`,
        {
          id: op.gid,
          n,
        },
      );
      expect(r.errors).toBeUndefined();
      expect((await gql(server, `mutation { signChainHeads { chain } }`)).errors).toBeUndefined();
    }
    const exp = await downloadExport(server, `operator=${op.gid}`);
    const lines = readFileSync(exp.file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const checkpoints = lines.filter((l) => l.type === "checkpoint") as Line[];
    const events = lines.filter((l) => l.type === "event") as { seq: number; hash: string }[];
    expect(checkpoints.map((c) => [c.number, c.version])).toEqual([
      [1, 2],
      [2, 2],
    ]);
    const jwks = (await (await fetch(`${server.url}/accounting/keys`)).json()) as {
      keys: { x: string; kid: string }[];
    };

    for (const c of checkpoints) {
      const jwk = jwks.keys.find((k) => k.kid === c.keyId)!;
      // The key id: the first 16 hex digits of the SHA-256 of the raw 32-byte key.
      const raw = Buffer.from(jwk.x, "base64url");
      expect(raw.length).toBe(32);
      expect(createHash("sha256").update(raw).digest("hex").slice(0, 16)).toBe(c.keyId);
      const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: jwk.x }, format: "jwk" });
      const signature = Buffer.from(c.signature, "base64url");
      expect(signature.length).toBe(64);
      expect(verify(null, signedBytes(c), key, signature)).toBe(true);
      // One changed byte and it no longer holds.
      expect(verify(null, signedBytes({ ...c, number: c.number + 1 }), key, signature)).toBe(false);
      expect(events.find((e) => e.seq === c.seq)?.hash).toBe(c.headHash);
    }
    expect(checkpoints[0]!.prevCheckpointHash).toBe(GENESIS);
    expect(checkpoints[1]!.prevCheckpointHash).toBe(
      createHash("sha256").update(signedBytes(checkpoints[0]!)).digest("hex"),
    );
  });
});
