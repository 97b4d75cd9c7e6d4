import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir, userInfo } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import pg from "pg";
import { recordEvent } from "../../src/accounting/record-event.js";
import { createDataSource } from "../../src/db/data-source.js";
import { createLogger } from "../../src/logger.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { rewriteChain, testSigningSecret } from "../support/accounting.js";

const CLI = "dist/src/cli/main.js";

type Ran = { code: number | null; stdout: string; stderr: string };

function run(args: string[], env: Record<string, string>, viaTerminal = false): Promise<Ran> {
  // `script` gives the command a terminal, where the export shows its progress bar.
  const [cmd, argv] = viaTerminal
    ? ["script", ["-qec", [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(" "), "/dev/null"]]
    : [process.execPath, [CLI, ...args]];
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_LEVEL: "silent", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Fails with what the command printed, so that a failure says why. */
function expectExit(r: Ran, code: number): void {
  if (r.code !== code)
    throw new Error(`exit ${r.code}, expected ${code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

describe("fedicentral accounting (command line)", () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let op: { id: string };
  const dir = mkdtempSync(path.join(tmpdir(), "fedi-acct-cli-"));

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    db = await createTestDatabase();
    const provider = await factories(db.ds).provider();
    op = await factories(db.ds).operator(provider.id);
    for (let i = 0; i < 30; i++) {
      await db.ds.transaction((tx) =>
        recordEvent(
          tx,
          { requestId: `r${i}`, principal: null, client: { ip: "192.0.2.1", userAgent: "t" } },
          {
            action: "update",
            targetKind: "operator",
            targetId: op.id,
            operatorId: op.id,
            changes: { name: { before: `n${i}`, after: `n${i + 1}` } },
          },
        ),
      );
    }
    await db.ds.destroy();
    env = { DATABASE_URL: db.url, ACCOUNTING_SIGNING_KEY_SECRET: testSigningSecret() };
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("signs, exports and verifies offline; a changed byte or a forged signature fails at its sequence number", async () => {
    const signed = await run(["accounting", "checkpoint"], env);
    expectExit(signed, 0);
    expect(signed.stdout).toMatch(/^signed \d+ chain heads with key [0-9a-f]{16}/);

    const keys = await run(["accounting", "keys"], env);
    expectExit(keys, 0);
    const keyFile = path.join(dir, "keys.json");
    writeFileSync(keyFile, keys.stdout);

    const file = path.join(dir, "export.jsonl");
    const exported = await run(["accounting", "export", "--operator", op.id, "-o", file], env);
    expectExit(exported, 0);
    // Its own read event is sealed and exported too, after the signed head.
    expect(exported.stderr).toContain(`wrote 31 events and 1 checkpoints to ${file}`);

    const ok = await run(["accounting", "verify", file, "--public-key", keyFile], {});
    expectExit(ok, 0);
    expect(ok.stdout).toContain(`chain ${op.id}: ok, events 1..31, 1 checkpoints verified, the last at 30`);

    const lines = readFileSync(file, "utf8").split("\n");
    const i = lines.findIndex((l) => l.includes('"seq":17,'));
    const altered = path.join(dir, "altered.jsonl");
    writeFileSync(
      altered,
      [
        ...lines.slice(0, i),
        lines[i]!.replace(/"after": ?"n17"/, '"after":"n71"'),
        ...lines.slice(i + 1),
      ].join("\n"),
    );
    const bad = await run(["accounting", "verify", altered, "--public-key", keyFile], {});
    expectExit(bad, 1);
    expect(bad.stdout).toContain(`chain ${op.id}: FAILED at sequence number 17: event 17 was altered`);

    const forged = path.join(dir, "forged.jsonl");
    writeFileSync(
      forged,
      readFileSync(file, "utf8").replace(/"signature":"[^"]+"/, `"signature":"${"A".repeat(86)}"`),
    );
    const fake = await run(["accounting", "verify", forged, "--public-key", keyFile], {});
    expect(fake.code).toBe(1);
    expect(fake.stdout).toContain("FAILED at sequence number 30: checkpoint at 30 has a forged signature");

    const wrongKey = await run(["accounting", "verify", file, "--public-key", "not-a-key"], {});
    expect(wrongKey.code).toBe(2);
  });

  it("shows a progress bar on a terminal, and none when piped", async () => {
    const file = path.join(dir, "tty.csv");
    const tty = await run(["accounting", "export", "--format", "csv", "-o", file], env, true);
    expectExit(tty, 0);
    expect(tty.stdout).toMatch(/exporting \[[^\]]*\] 100% (\d+)\/\1 events/);
    expect(readFileSync(file, "utf8").split("\n")[0]).toMatch(/^record,chain,seq,/);
    const piped = await run(["accounting", "export", "--format", "csv", "-o", file], env);
    expect(piped.stderr).not.toContain("exporting [");
  });

  it("records a key rotation and a signing round as control events of whoever ran them", async () => {
    expectExit(await run(["accounting", "rotate-key"], env), 0);
    expectExit(await run(["accounting", "checkpoint"], env), 0);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        `SELECT action, target_kind, initiator->>'name' AS who, initiator->>'userAgent' AS via
           FROM accounting_event WHERE event_type = 'control' ORDER BY id`,
      );
      const who = `${userInfo().username}@${hostname()}`;
      expect(rows.slice(-2)).toEqual([
        {
          action: "rotate",
          target_kind: "accounting_signing_key",
          who,
          via: "fedicentral-cli (accounting rotate-key)",
        },
        {
          action: "sign",
          target_kind: "accounting_checkpoint",
          who,
          via: "fedicentral-cli (accounting checkpoint)",
        },
      ]);
    } finally {
      await client.end();
    }
  });

  it("fails a rewrite whose checkpoints were deleted, and names the witnessed or pinned checkpoint it lacks", async () => {
    const witness = path.join(dir, "witness.jsonl");
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      // Two events of three hours ago, then signed: the witness file gets the chain's new head.
      await client.query(
        `INSERT INTO accounting_event (occurred_at, event_type, action, outcome, initiator, target_kind, operator_id)
         SELECT now() - interval '3 hours', 'activity', 'update', 'success',
                '{"kind":"system","id":null,"name":"t","ip":null,"userAgent":null}', 'operator', $1
           FROM generate_series(1, 2)`,
        [op.id],
      );
    } finally {
      await client.end();
    }
    expectExit(await run(["accounting", "checkpoint"], { ...env, ACCOUNTING_WITNESS_FILE: witness }), 0);
    const head = readFileSync(witness, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { chain: string; seq: number; headHash: string; number: number })
      .find((c) => c.chain === op.id)!;
    expect(head.number).toBeGreaterThan(1);

    // A superuser rewrites the first event, recomputes every hash and deletes the chain's checkpoints.
    const ds = createDataSource({ url: db.url, log: createLogger("silent"), poolSize: 1 });
    await ds.initialize();
    try {
      await rewriteChain(ds, op.id, [
        [
          `UPDATE accounting_event SET reason = 'nothing happened'
            WHERE id = (SELECT event_id FROM accounting_seal WHERE chain = $1 AND seq = 1)`,
          [op.id],
        ],
        [`DELETE FROM accounting_checkpoint WHERE chain = $1`, [op.id]],
      ]);
    } finally {
      await ds.destroy();
    }
    const keyFile = path.join(dir, "keys-now.json");
    writeFileSync(keyFile, (await run(["accounting", "keys"], env)).stdout);
    const file = path.join(dir, "rewritten.jsonl");
    expectExit(await run(["accounting", "export", "--operator", op.id, "-o", file], env), 0);

    // The landed verifier printed "ok, …, no checkpoint covers it"; events 3 h old signed by none fail.
    const plain = await run(["accounting", "verify", file, "--public-key", keyFile], {});
    expectExit(plain, 1);
    expect(plain.stdout).toMatch(
      new RegExp(`chain ${op.id}: FAILED at sequence number \\d+: events from \\d+ on`),
    );

    const pinned = await run(
      ["accounting", "verify", file, "--public-key", keyFile, "--pin", `${head.seq}:${head.headHash}`],
      {},
    );
    expectExit(pinned, 1);
    expect(pinned.stdout).toContain(
      `chain ${op.id}: FAILED at sequence number ${head.seq}: event ${head.seq} differs from the pinned checkpoint at ${head.seq}`,
    );
    const witnessed = await run(
      ["accounting", "verify", file, "--public-key", keyFile, "--witness", witness],
      {},
    );
    expectExit(witnessed, 1);
    expect(witnessed.stdout).toContain(
      `event ${head.seq} differs from the checkpoint ${head.number} at ${head.seq} that the witness holds`,
    );
  });
});
