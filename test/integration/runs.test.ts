import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { createLogger } from "../../src/logger.js";
import { canonicalJson } from "../../src/runs/run.service.js";
import { type RunWorker, type RunWorkerOptions, startRunWorker } from "../../src/runs/run-worker.js";
import type { RunningServer } from "../../src/server.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { pollUntil } from "../support/poll.js";
import { gql, startTestServer } from "../support/server.js";
import { useTempDir } from "../support/temp-dir.js";

const FAKE = path.resolve("test/fakes/nixops4/nixops4");
const HEADER = "The following resources (and nested composites, if any) will be applied:";

const APPLY = `mutation($d: ID!, $k: String!) { applyDeployment(deploymentId: $d, idempotencyKey: $k) {
  id state generation configHash requestId initiator } }`;
const CANCEL = `mutation($id: ID!) { cancelRun(id: $id) { id state cancelRequestedAt finishedAt reason } }`;
const RUN = `query($id: ID!) { run(id: $id) {
  id state exitCode signal reason generation configHash startedAt finishedAt config logTruncated
  progress { planned created skipped failed { resource reason } }
  log { text base64 nextOffset size }
  deployment { id deployedGeneration deployedAt lastRun { id } } } }`;

describe("runs", () => {
  let db: TestDatabase;
  let server: RunningServer;
  let f: ReturnType<typeof factories>;
  let types: Record<string, string>;
  let operator: { id: string; zone: string };
  const tmp = useTempDir("fedi-runs-");
  const workers: RunWorker[] = [];
  let keys = 0;
  const key = () => `key-${++keys}-${Date.now()}`;

  beforeAll(async () => {
    db = await createTestDatabase();
    f = factories(db.ds);
    types = await f.catalog();
    const provider = await f.provider();
    operator = await f.operator(provider.id);
    server = await startTestServer(db.ds);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    // No run of one test may be picked up by the next test's worker.
    await db.ds.query(`UPDATE run SET state = 'canceled', finished_at = now() WHERE state = 'queued'`);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  function worker(env: Record<string, string> = {}, over: RunWorkerOptions = {}): RunWorker {
    const w = startRunWorker(db.ds, createLogger(process.env.RUNS_TEST_LOG ?? "silent"), {
      nixops4Bin: FAKE,
      deploymentsDir: tmp.path,
      concurrency: 2,
      pollMs: 50,
      heartbeatMs: 200,
      lostAfterMs: 60_000,
      timeoutMs: 20_000,
      killGraceMs: 300,
      env,
      ...over,
    });
    workers.push(w);
    return w;
  }

  async function deployment(services: string[] = ["mastodon"]) {
    const d = await f.deployment(operator.id);
    for (const t of services) await f.service(d.id, types[t]!, `${t}-${d.name}.${operator.zone}`);
    return d;
  }

  async function apply(deploymentGid: string, k = key()) {
    const res = await gql(server, APPLY, { d: deploymentGid, k });
    expect(res.errors).toBeUndefined();
    return res.data!.applyDeployment as { id: string; state: string; generation: number; configHash: string };
  }

  async function run(id: string) {
    const res = await gql(server, RUN, { id });
    expect(res.errors).toBeUndefined();
    return res.data!.run;
  }

  const waitFor = (id: string, until: (r: any) => boolean, timeoutMs?: number) =>
    pollUntil(() => run(id), until, { what: (r) => `run ${id} to move on from ${r.state}`, timeoutMs });
  const ended = (r: any) => ["SUCCEEDED", "FAILED", "ERRORED", "CANCELED"].includes(r.state);

  const events = (runUuid: string) =>
    db.ds.query(
      `SELECT action, outcome, reason FROM accounting_event WHERE target_kind = 'run' AND target_id = $1 ORDER BY id`,
      [runUuid],
    );
  const uuidOf = (gid: string) => Buffer.from(gid, "base64url").toString().split(":")[1]!;

  it("applies: progress from the log, the frozen config becomes the deployed one, both events recorded", async () => {
    const d = await deployment(["mastodon", "pixelfed"]);
    const queued = await apply(d.gid);
    expect(queued).toMatchObject({ state: "QUEUED", generation: 1 });
    worker({ FAKE_NIXOPS4_UNCHANGED: "pixelfed" });
    const r = await waitFor(queued.id, ended);
    expect(r).toMatchObject({
      state: "SUCCEEDED",
      exitCode: 0,
      signal: null,
      reason: null,
      logTruncated: false,
      progress: {
        planned: ["mastodon", "pixelfed"],
        created: ["mastodon"],
        skipped: ["pixelfed"],
        failed: [],
      },
      deployment: { deployedGeneration: 1, lastRun: { id: queued.id } },
    });
    expect(r.log.text).toContain("creating resource mastodon\n");
    expect(r.configHash).toBe(createHash("sha256").update(canonicalJson(r.config)).digest("hex"));
    expect(r.config.deployment).toMatchObject({ id: d.gid, generation: 1 });
    const deployed = await gql(
      server,
      `query($d: ID!) { deploymentConfig(deploymentId: $d, which: DEPLOYED) }`,
      {
        d: d.gid,
      },
    );
    expect(deployed.data!.deploymentConfig).toEqual(r.config);
    expect(new Date(r.deployment.deployedAt).getTime()).toBe(new Date(r.finishedAt).getTime());
    // The working directory got exactly the frozen configuration.
    const file = JSON.parse(
      await readFile(path.join(tmp.path, "runs", uuidOf(queued.id), "deployment.json"), "utf8"),
    );
    expect(file).toEqual(r.config);
    expect(await events(uuidOf(queued.id))).toEqual([
      { action: "apply", outcome: "pending", reason: null },
      { action: "apply", outcome: "success", reason: null },
    ]);
  });

  it("a failing run (exit 1) is failed with nixops4's reason and leaves the deployed config alone", async () => {
    const d = await deployment();
    worker();
    const first = await waitFor((await apply(d.gid)).id, ended);
    expect(first.state).toBe("SUCCEEDED");
    await db.ds.query(`UPDATE deployment SET staged_generation = staged_generation + 1 WHERE id = $1`, [
      d.id,
    ]);
    await Promise.all(workers.splice(0).map((w) => w.stop()));

    worker({ FAKE_NIXOPS4_MODE: "fail" });
    const failing = await apply(d.gid);
    expect(failing.generation).toBe(2);
    const r = await waitFor(failing.id, ended);
    expect(r).toMatchObject({
      state: "FAILED",
      exitCode: 1,
      reason: "Failed to create stateless resource mastodon: simulated failure",
      progress: { failed: [{ resource: "mastodon", reason: "simulated failure" }] },
      deployment: { deployedGeneration: 1 },
    });
    const [row] = await db.ds.query(`SELECT deployed_config AS c FROM deployment WHERE id = $1`, [d.id]);
    expect(row.c).toEqual(first.config);
    expect(await events(uuidOf(failing.id))).toEqual([
      { action: "apply", outcome: "pending", reason: null },
      {
        action: "apply",
        outcome: "failure",
        reason: "Failed to create stateless resource mastodon: simulated failure",
      },
    ]);
  });

  it("a crash (exit 101) is errored", async () => {
    const d = await deployment();
    worker({ FAKE_NIXOPS4_MODE: "crash" });
    const r = await waitFor((await apply(d.gid)).id, ended);
    expect(r.state).toBe("ERRORED");
    expect(r.exitCode).toBe(101);
    expect(r.reason).toMatch(/^nixops4 crashed: thread 'main' panicked/);
    expect(r.deployment.deployedGeneration).toBeNull();
  });

  it("a hanging run times out and is errored", async () => {
    const d = await deployment();
    worker({ FAKE_NIXOPS4_MODE: "hang" }, { timeoutMs: 400 });
    const r = await waitFor((await apply(d.gid)).id, ended);
    expect(r).toMatchObject({ state: "ERRORED", reason: "timed out after 400ms" });
    expect(r.log.text).toContain("nixops4 error: interrupted");
  });

  it("a missing executable is errored as could not start", async () => {
    const d = await deployment();
    worker({}, { nixops4Bin: path.join(tmp.path, "no-such-nixops4") });
    const r = await waitFor((await apply(d.gid)).id, ended);
    expect(r.state).toBe("ERRORED");
    expect(r.reason).toMatch(/^could not start: /);
  });

  it("cancels a queued run at once; canceling it again is a CONFLICT", async () => {
    const d = await deployment();
    const queued = await apply(d.gid);
    const res = await gql(server, CANCEL, { id: queued.id });
    expect(res.errors).toBeUndefined();
    expect(res.data!.cancelRun).toMatchObject({ state: "CANCELED", reason: "canceled before it started" });
    expect(res.data!.cancelRun.finishedAt).not.toBeNull();
    const again = await gql(server, CANCEL, { id: queued.id });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT" });
    // A worker never starts it.
    worker();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await run(queued.id)).startedAt).toBeNull();
    expect((await events(uuidOf(queued.id))).map((e: any) => `${e.action}:${e.outcome}`)).toEqual([
      "apply:pending",
      "cancel:success",
      "apply:failure",
    ]);
  });

  it("cancels a running run: canceling, then canceled once nixops4 stopped", async () => {
    const d = await deployment();
    worker({ FAKE_NIXOPS4_MODE: "hang" });
    const queued = await apply(d.gid);
    await waitFor(queued.id, (r) => r.state === "RUNNING" && r.log.text.includes("creating resource"));
    const res = await gql(server, CANCEL, { id: queued.id });
    expect(res.errors).toBeUndefined();
    expect(res.data!.cancelRun.state).toBe("CANCELING");
    expect(res.data!.cancelRun.cancelRequestedAt).not.toBeNull();
    const r = await waitFor(queued.id, ended);
    expect(r).toMatchObject({ state: "CANCELED", reason: "canceled on request", exitCode: 1 });
    expect(r.log.text).toContain("nixops4 error: interrupted");
    expect(r.deployment.deployedGeneration).toBeNull();
  });

  it("the same idempotency key on a deployment returns the same run; with another configuration it is IDEMPOTENCY_CONFLICT; other deployments have keys of their own", async () => {
    const d = await deployment();
    const other = await deployment();
    const k = key();
    const results = await Promise.all([1, 2, 3, 4].map(() => gql(server, APPLY, { d: d.gid, k })));
    const ids = results.map((r) => r.data?.applyDeployment?.id);
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toBeTruthy();
    expect((await apply(d.gid, k)).id).toBe(ids[0]);
    const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM run WHERE deployment_id = $1`, [d.id]);
    expect(n).toBe(1);

    // Keys are scoped to the deployment: the same key on another deployment is that deployment's own
    // request, and one operator's key can neither block nor reveal another's apply.
    const foreign = await f.deployment((await f.operator((await f.provider()).id)).id);
    const [elsewhere, abroad] = await Promise.all([
      gql(server, APPLY, { d: other.gid, k }),
      gql(server, APPLY, { d: foreign.gid, k }),
    ]);
    expect(elsewhere.errors).toBeUndefined();
    expect(abroad.errors).toBeUndefined();
    expect(new Set([ids[0], elsewhere.data!.applyDeployment.id, abroad.data!.applyDeployment.id]).size).toBe(
      3,
    );
    await db.ds.query(`UPDATE deployment SET staged_generation = staged_generation + 1 WHERE id = $1`, [
      d.id,
    ]);
    const changed = await gql(server, APPLY, { d: d.gid, k });
    expect(changed.errors?.[0]?.extensions).toMatchObject({ code: "IDEMPOTENCY_CONFLICT" });
    // A new key for the changed configuration is a new run.
    expect((await apply(d.gid)).id).not.toBe(ids[0]);
  });

  it("the reaper marks a run with a stale heartbeat errored (worker lost), and the deployment runs again", async () => {
    const d = await deployment();
    const [ghost] = await db.ds.query(
      `INSERT INTO run (deployment_id, state, config, config_hash, generation, initiator, started_at, heartbeat_at, worker_id)
       VALUES ($1, 'running', '{}', 'x', 1, '{}', now() - interval '1 hour', now() - interval '1 hour', 'ghost')
       RETURNING id`,
      [d.id],
    );
    worker({}, { lostAfterMs: 500 });
    const next = await apply(d.gid);
    const ghostGid = Buffer.from(`Run:${ghost.id}`).toString("base64url");
    const lost = await waitFor(ghostGid, ended);
    expect(lost).toMatchObject({ state: "ERRORED", reason: "worker lost" });
    expect((await waitFor(next.id, ended)).state).toBe("SUCCEEDED");
    expect(await events(ghost.id)).toEqual([{ action: "apply", outcome: "failure", reason: "worker lost" }]);
  });

  it("stores output that is not UTF-8 byte for byte", async () => {
    const d = await deployment();
    worker({ FAKE_NIXOPS4_MODE: "invalid-utf8", FAKE_NIXOPS4_RESOURCES: "a.b,c.d" });
    const queued = await apply(d.gid);
    const r = await waitFor(queued.id, ended);
    expect(r.state).toBe("SUCCEEDED");
    const expected = Buffer.concat([
      Buffer.from(`${HEADER}\n  a.b\n  c.d\n[provider] raw: `),
      Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
      Buffer.from("\ncreating resource a.b\ncreating resource c.d\nlatin1: "),
      Buffer.from([0xe9, 0x0a]),
    ]);
    const chunks: { data: Buffer }[] = await db.ds.query(
      `SELECT data FROM run_log_chunk WHERE run_id = $1 ORDER BY seq`,
      [uuidOf(queued.id)],
    );
    expect(Buffer.concat(chunks.map((c) => c.data)).equals(expected)).toBe(true);
    expect(Buffer.from(r.log.base64, "base64").equals(expected)).toBe(true);
    expect(r.log.text).toContain("\uFFFD");
    expect(r.progress.created).toEqual(["a.b", "c.d"]);
    // Paging through the log in small pieces gives the same bytes.
    const pieces: Buffer[] = [];
    let offset = 0;
    for (;;) {
      const page = await gql(
        server,
        `query($id: ID!, $o: Int!) { run(id: $id) { log(fromOffset: $o, limit: 7) { base64 nextOffset } } }`,
        {
          id: queued.id,
          o: offset,
        },
      );
      const log = page.data!.run.log;
      if (log.nextOffset === offset) break;
      pieces.push(Buffer.from(log.base64, "base64"));
      offset = log.nextOffset;
    }
    expect(Buffer.concat(pieces).equals(expected)).toBe(true);
  });

  it("past the cap keeps the start, a marker and the last bytes", async () => {
    const d = await deployment();
    const flood = 300_000;
    worker(
      { FAKE_NIXOPS4_MODE: "flood", FAKE_NIXOPS4_FLOOD_BYTES: String(flood) },
      { logCapBytes: 100_000, logTailBytes: 4096 },
    );
    const queued = await apply(d.gid);
    const r = await waitFor(queued.id, ended);
    expect(r).toMatchObject({ state: "SUCCEEDED", logTruncated: true });
    const lines: string[] = [];
    for (let n = 0, size = 0; size < flood; n++) {
      const line = `[provider] ${String(n).padStart(9, "0")} building /nix/store/0123456789abcdfghijklmnpqrsvwxyz-flood.drv\n`;
      lines.push(line);
      size += line.length;
    }
    const output = Buffer.from(lines.join("")).subarray(0, flood);
    const chunks: { stream: string; data: Buffer }[] = await db.ds.query(
      `SELECT stream, data FROM run_log_chunk WHERE run_id = $1 ORDER BY seq`,
      [uuidOf(queued.id)],
    );
    const stored = Buffer.concat(chunks.map((c) => c.data));
    const marker = chunks.find((c) => c.stream === "meta")!.data;
    expect(marker.toString()).toContain(`${flood - 100_000 - 4096} bytes were not stored`);
    expect(stored.length).toBe(100_000 + marker.length + 4096);
    expect(stored.subarray(0, 100_000).equals(output.subarray(0, 100_000))).toBe(true);
    expect(stored.subarray(-4096).equals(output.subarray(-4096))).toBe(true);
    const [row] = await db.ds.query(`SELECT log_omitted_bytes AS n FROM run WHERE id = $1`, [
      uuidOf(queued.id),
    ]);
    expect(Number(row.n)).toBe(flood - 100_000 - 4096);
  });

  it("copies the deployment's checkout into the run's directory before deployment.json", async () => {
    const d = await deployment();
    const checkout = path.join(tmp.path, "checkouts", d.name);
    await mkdir(path.join(checkout, "modules"), { recursive: true });
    await writeFile(path.join(checkout, "flake.nix"), "{ outputs = _: { }; }\n");
    await writeFile(path.join(checkout, "modules", "web.nix"), "{ }\n");
    await writeFile(path.join(checkout, "deployment.json"), "stale");
    worker();
    const queued = await apply(d.gid);
    const r = await waitFor(queued.id, ended);
    expect(r.state).toBe("SUCCEEDED");
    const cwd = path.join(tmp.path, "runs", uuidOf(queued.id));
    expect(await readFile(path.join(cwd, "flake.nix"), "utf8")).toBe("{ outputs = _: { }; }\n");
    expect(await readFile(path.join(cwd, "modules", "web.nix"), "utf8")).toBe("{ }\n");
    expect(JSON.parse(await readFile(path.join(cwd, "deployment.json"), "utf8"))).toEqual(r.config);
  });

  it("a worker that stops ends its runs errored, and they are not retried", async () => {
    const d = await deployment();
    const w = worker({ FAKE_NIXOPS4_MODE: "hang" });
    const queued = await apply(d.gid);
    await waitFor(queued.id, (r) => r.state === "RUNNING" && r.log.text.includes("creating resource"));
    await w.stop();
    const r = await run(queued.id);
    expect(r).toMatchObject({ state: "ERRORED", reason: "the worker stopped" });
    worker();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await run(queued.id)).state).toBe("ERRORED");
  });

  it("the database refuses a second active run of one deployment", async () => {
    const d = await deployment();
    const insert = (state: string) =>
      db.ds.query(
        `INSERT INTO run (deployment_id, state, config, config_hash, generation, initiator, heartbeat_at)
         VALUES ($1, $2, '{}', 'x', 1, '{}', now())`,
        [d.id, state],
      );
    await insert("queued");
    await insert("queued");
    await insert("running");
    await expect(insert("running")).rejects.toMatchObject({
      driverError: { code: "23505", constraint: "run_one_active_per_deployment" },
    });
    await expect(insert("canceling")).rejects.toMatchObject({
      driverError: { constraint: "run_one_active_per_deployment" },
    });
    await insert("succeeded");
    await db.ds.query(`UPDATE run SET state = 'errored' WHERE deployment_id = $1 AND state = 'running'`, [
      d.id,
    ]);
  });
});
