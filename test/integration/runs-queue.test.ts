import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createLogger } from "../../src/logger.js";
import { startRunWorker } from "../../src/runs/run-worker.js";
import type { RunningServer } from "../../src/server.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { pollUntil } from "../support/poll.js";
import { gql, startTestServer } from "../support/server.js";
import { useTempDir } from "../support/temp-dir.js";

const FAKE = path.resolve("test/fakes/nixops4/nixops4");

type Recorded = { event: "start" | "end"; pid: number; cwd: string; deployment: string; t: number };

describe("run queue", () => {
  let db: TestDatabase;
  let server: RunningServer;
  const tmp = useTempDir("fedi-run-queue-");

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startTestServer(db.ds);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it("two workers never overlap runs of one deployment and start them in queue order", async () => {
    const f = factories(db.ds);
    const provider = await f.provider();
    const operator = await f.operator(provider.id);
    const deployments = [
      await f.deployment(operator.id),
      await f.deployment(operator.id),
      await f.deployment(operator.id),
    ];
    // Interleaved, so that queue order and deployment order differ.
    const queued: { id: string; deployment: string }[] = [];
    for (let i = 0; i < 12; i++) {
      const d = deployments[(i * 7) % 3]!;
      const res = await gql(
        server,
        `mutation($d: ID!, $k: String!) { applyDeployment(deploymentId: $d, idempotencyKey: $k) { id } }`,
        { d: d.gid, k: `queue-${i}` },
      );
      expect(res.errors).toBeUndefined();
      queued.push({ id: res.data!.applyDeployment.id, deployment: d.gid });
    }
    const record = path.join(tmp.path, "record.jsonl");
    const env = {
      FAKE_NIXOPS4_RECORD: record,
      FAKE_NIXOPS4_DELAY_MS: "40",
      FAKE_NIXOPS4_RESOURCES: "x.a,x.b",
    };
    const common = {
      nixops4Bin: FAKE,
      deploymentsDir: tmp.path,
      concurrency: 2,
      pollMs: 30,
      killGraceMs: 300,
      env,
    };
    const log = createLogger("silent");
    const workers = [
      startRunWorker(db.ds, log, { ...common, workerId: "w1" }),
      startRunWorker(db.ds, log, { ...common, workerId: "w2" }),
    ];
    try {
      await pollUntil(
        async () =>
          (await db.ds.query(`SELECT count(*)::int AS n FROM run WHERE state NOT IN ('succeeded')`))[0]
            .n as number,
        (n) => n === 0,
        { what: (n) => `${n} more runs to succeed`, timeoutMs: 30_000 },
      );
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }

    const events: Recorded[] = (await readFile(record, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events).toHaveLength(24);
    const uuidOf = (gid: string) => Buffer.from(gid, "base64url").toString().split(":")[1]!;
    for (const d of deployments) {
      // The file is appended in real time order: per deployment, start and end of one process alternate.
      const mine = events.filter((e) => e.deployment === d.gid);
      expect(mine.map((e) => e.event)).toEqual([
        "start",
        "end",
        "start",
        "end",
        "start",
        "end",
        "start",
        "end",
      ]);
      for (let i = 0; i < mine.length; i += 2) expect(mine[i + 1]!.pid).toBe(mine[i]!.pid);
      const started = mine.filter((e) => e.event === "start").map((e) => path.basename(e.cwd));
      expect(started).toEqual(queued.filter((q) => q.deployment === d.gid).map((q) => uuidOf(q.id)));
    }
    // Different deployments did run at the same time.
    let running = 0;
    let most = 0;
    for (const e of events) {
      running += e.event === "start" ? 1 : -1;
      most = Math.max(most, running);
    }
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(3);

    // The connection lists a deployment's runs newest first, in pages.
    const page = async (after?: string) =>
      gql(
        server,
        `query($d: ID!, $after: String) { runs(filter: { deploymentId: $d, state: SUCCEEDED }, first: 3, after: $after) {
          totalCount nodes { id state } pageInfo { hasNextPage endCursor } } }`,
        { d: deployments[0]!.gid, after },
      );
    const expected = queued
      .filter((q) => q.deployment === deployments[0]!.gid)
      .map((q) => q.id)
      .reverse();
    const p1 = await page();
    expect(p1.errors).toBeUndefined();
    expect(p1.data!.runs.totalCount).toBe(4);
    expect(p1.data!.runs.nodes.map((n: any) => n.id)).toEqual(expected.slice(0, 3));
    expect(p1.data!.runs.pageInfo.hasNextPage).toBe(true);
    const p2 = await page(p1.data!.runs.pageInfo.endCursor);
    expect(p2.data!.runs.nodes.map((n: any) => n.id)).toEqual(expected.slice(3));
    expect(p2.data!.runs.pageInfo.hasNextPage).toBe(false);
    const none = await gql(server, `query { runs(filter: { state: QUEUED }) { totalCount } }`);
    expect(none.data!.runs.totalCount).toBe(0);
  });
});
