import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createLogger } from "../../src/logger.js";
import { loadRunConfig } from "../../src/runs/run-config.js";
import { startRunWorker } from "../../src/runs/run-worker.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { pollUntil } from "../support/poll.js";

const FAKE = path.resolve("test/fakes/nixops4/nixops4");

describe("run worker settings", () => {
  let db: TestDatabase;
  let f: ReturnType<typeof factories>;
  let operator: { id: string };
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    f = factories(db.ds);
    operator = await f.operator((await f.provider()).id);
    dir = await mkdtemp(path.join(tmpdir(), "fedi-worker-options-"));
  });
  afterAll(async () => {
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function enqueue(fake: object, state = "queued", heartbeat = "now()") {
    const d = await f.deployment(operator.id);
    const [row] = await db.ds.query(
      `INSERT INTO run (deployment_id, state, config, config_hash, generation, initiator, heartbeat_at, worker_id)
       VALUES ($1, $2, $3, 'test', 1, '{"kind":"system"}', ${heartbeat}, 'gone') RETURNING id`,
      [d.id, state, JSON.stringify({ deployment: { id: d.gid }, fake })],
    );
    return row.id as string;
  }
  const state = async (id: string) =>
    (await db.ds.query(`SELECT state, reason FROM run WHERE id = $1`, [id]))[0] as {
      state: string;
      reason: string;
    };

  it("RUN_CONCURRENCY=0 (a server that leaves runs to worker processes) starts nothing but still reaps", async () => {
    expect(loadRunConfig({ RUN_CONCURRENCY: "0" }).concurrency).toBe(0);
    const queued = await enqueue({ mode: "succeed" });
    const lost = await enqueue({}, "running", "now() - interval '1 hour'");
    const w = startRunWorker(db.ds, createLogger("silent"), {
      ...loadRunConfig({ RUN_CONCURRENCY: "0", RUN_POLL_MS: "50", RUN_LOST_AFTER_MS: "1000" }),
      nixops4Bin: FAKE,
      deploymentsDir: dir,
    });
    try {
      const reaped = await pollUntil(
        () => state(lost),
        (r) => r.state !== "running",
        {
          what: "the lost run to be reaped",
          timeoutMs: 10_000,
        },
      );
      expect(reaped).toEqual({ state: "errored", reason: "worker lost" });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await state(queued)).state).toBe("queued");
    } finally {
      await w.stop();
      await db.ds.query(`UPDATE run SET state = 'canceled' WHERE id = $1`, [queued]);
    }
  });

  it("NIXOPS4_PASS_ENV hands the named variables to nixops4, and nothing else of ours", async () => {
    process.env.FEDI_TEST_PROVIDER_TOKEN = "for-the-provider";
    process.env.FEDI_TEST_NOT_PASSED = "stays-here";
    const config = loadRunConfig({ NIXOPS4_PASS_ENV: "FEDI_TEST_PROVIDER_TOKEN,FEDI_TEST_UNSET" });
    expect(config.passEnv).toEqual(["FEDI_TEST_PROVIDER_TOKEN", "FEDI_TEST_UNSET"]);
    expect(() => loadRunConfig({ NIXOPS4_PASS_ENV: "A,B C" })).toThrow(/NIXOPS4_PASS_ENV/);
    const id = await enqueue({ mode: "print-env" });
    const w = startRunWorker(db.ds, createLogger("silent"), {
      ...config,
      nixops4Bin: FAKE,
      deploymentsDir: dir,
      pollMs: 50,
    });
    try {
      await pollUntil(
        () => state(id),
        (r) => r.state === "succeeded",
        {
          what: "the print-env run to succeed",
          timeoutMs: 10_000,
        },
      );
      const chunks: { data: Buffer }[] = await db.ds.query(
        `SELECT data FROM run_log_chunk WHERE run_id = $1 ORDER BY seq`,
        [id],
      );
      const env = JSON.parse(Buffer.concat(chunks.map((c) => c.data)).toString()) as Record<string, string>;
      expect(env.FEDI_TEST_PROVIDER_TOKEN).toBe("for-the-provider");
      expect(env).not.toHaveProperty("FEDI_TEST_NOT_PASSED");
      expect(env).not.toHaveProperty("FEDI_TEST_UNSET");
      expect(env).not.toHaveProperty("DATABASE_URL");
    } finally {
      await w.stop();
      delete process.env.FEDI_TEST_PROVIDER_TOKEN;
      delete process.env.FEDI_TEST_NOT_PASSED;
    }
  });
});
