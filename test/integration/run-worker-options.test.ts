import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createLogger } from "../../src/logger.js";
import { loadRunConfig } from "../../src/runs/run-config.js";
import { startRunWorker } from "../../src/runs/run-worker.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { pollUntil } from "../support/poll.js";
import { useTempDir } from "../support/temp-dir.js";

const FAKE = path.resolve("test/fakes/nixops4/nixops4");

describe("run worker settings", () => {
  let db: TestDatabase;
  let f: ReturnType<typeof factories>;
  let operator: { id: string };
  const tmp = useTempDir("fedi-worker-options-");

  beforeAll(async () => {
    db = await createTestDatabase();
    f = factories(db.ds);
    operator = await f.operator((await f.provider()).id);
  });
  afterAll(async () => {
    await db?.drop();
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
      deploymentsDir: tmp.path,
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
      deploymentsDir: tmp.path,
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

  it("NIXOPS4_SECRET_ENV hands the variables on and masks their values in the log and the reason", async () => {
    const secret = "hunter2-but-longer-9f8e";
    process.env.FEDI_TEST_SECRET = secret;
    const config = loadRunConfig({ NIXOPS4_SECRET_ENV: "FEDI_TEST_SECRET" });
    expect(config.secretEnv).toEqual(["FEDI_TEST_SECRET"]);
    const printed = await enqueue({ mode: "print-env" });
    const failed = await enqueue({ mode: "fail", reason: `the API refused token ${secret}` });
    const w = startRunWorker(db.ds, createLogger("silent"), {
      ...config,
      nixops4Bin: FAKE,
      deploymentsDir: tmp.path,
      pollMs: 50,
    });
    const log = async (id: string) =>
      Buffer.concat(
        (
          (await db.ds.query(`SELECT data FROM run_log_chunk WHERE run_id = $1 ORDER BY seq`, [id])) as {
            data: Buffer;
          }[]
        ).map((c) => c.data),
      ).toString();
    try {
      for (const id of [printed, failed])
        await pollUntil(
          () => state(id),
          (r) => !["queued", "running"].includes(r.state),
          {
            what: "the run to end",
            timeoutMs: 10_000,
          },
        );
      // nixops4 got the real value; the stored log shows ***.
      const env = JSON.parse(await log(printed)) as Record<string, string>;
      expect(env.FEDI_TEST_SECRET).toBe("***");
      const failure = await state(failed);
      expect(failure.state).toBe("failed");
      expect(failure.reason).toMatch(/the API refused token \*\*\*$/);
      expect(await log(failed)).toMatch(/the API refused token \*\*\*/);
      const [{ n }] = await db.ds.query(
        `SELECT count(*)::int AS n FROM run_log_chunk WHERE position($1::bytea IN data) > 0`,
        [Buffer.from(secret)],
      );
      expect(n).toBe(0);
      expect(JSON.stringify(await db.ds.query(`SELECT reason FROM run`))).not.toContain(secret);
    } finally {
      await w.stop();
      delete process.env.FEDI_TEST_SECRET;
    }
  });
});
