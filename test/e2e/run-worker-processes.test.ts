import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { recordEvent } from "../../src/accounting/record-event.js";
import { toGlobalId } from "../../src/common/global-id.js";
import { systemCaller } from "../../src/common/caller.js";
import { enqueueSync } from "../../src/netbox/sync-runner.js";
import { startFakeNetbox } from "../fakes/netbox/index.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { V1 } from "../support/fake-netbox.js";
import { TEST_SECRET_KEY, connectFake } from "../support/netbox.js";
import { startTestServer } from "../support/server.js";
import { pollUntil } from "../support/poll.js";
import { collectRunEvents } from "../support/ws.js";
import { useTempDir } from "../support/temp-dir.js";

// `fedicentral worker` as separate processes (the built CLI) against one database.
const CLI = "dist/src/cli/main.js";
const FAKE = path.resolve("test/fakes/nixops4/nixops4");

type Recorded = { event: "start" | "end"; pid: number; cwd: string; deployment: string; t: number };
type Proc = { child: ChildProcess; output: () => string; exited: Promise<number | null> };

/** A port nothing listens on now (the kernel's pick, released at once). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Running, and not a zombie (PID 1 in a container may never reap orphans). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !["Z", "X"].includes(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0]!);
  } catch {
    return false;
  }
}

describe("worker processes", () => {
  let db: TestDatabase;
  let f: ReturnType<typeof factories>;
  let operator: { id: string };
  const tmp = useTempDir("fedi-worker-procs-");
  let record: string;
  const procs: Proc[] = [];
  const orphans: number[] = [];

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    db = await createTestDatabase();
    f = factories(db.ds);
    operator = await f.operator((await f.provider()).id);
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) p.child.kill("SIGKILL");
    // A nixops4 whose worker was killed outlives it (its own process group): end it here.
    for (const pid of orphans.splice(0)) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
  });
  afterAll(async () => {
    await db?.drop();
  });

  function startWorker(name: string, env: Record<string, string> = {}): Proc {
    let out = "";
    const child = spawn(process.execPath, [CLI, "worker"], {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        LOG_LEVEL: "info",
        DATABASE_URL: db.url,
        DB_POOL_SIZE: "4",
        NIXOPS4_BIN: FAKE,
        NIXOPS4_PASS_ENV: "FAKE_NIXOPS4_RECORD",
        FAKE_NIXOPS4_RECORD: record,
        DEPLOYMENTS_DIR: tmp.path,
        RUN_CONCURRENCY: "2",
        RUN_HEARTBEAT_MS: "200",
        RUN_LOST_AFTER_MS: "1500",
        RUN_KILL_GRACE_MS: "300",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const proc = { child, output: () => `[${name}]\n${out}`, exited };
    procs.push(proc);
    return proc;
  }

  /** Queues a run straight in the table; the fake reads its behaviour from deployment.json's "fake". */
  async function enqueue(d: { id: string; gid: string; name: string }, fake: object): Promise<string> {
    const config = {
      schemaVersion: 2,
      deployment: { id: d.gid, name: d.name, generation: 1 },
      services: [],
      fake,
    };
    const [row] = await db.ds.query(
      `INSERT INTO run (deployment_id, state, config, config_hash, generation, initiator)
       VALUES ($1, 'queued', $2, 'test', 1, '{"kind":"system"}') RETURNING id`,
      [d.id, JSON.stringify(config)],
    );
    return row.id as string;
  }

  // The workers' output says why, when they never get there.
  const until = async <T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 30_000) =>
    (await pollUntil(probe, Boolean, {
      what: () => `${what}\n${procs.map((p) => p.output()).join("\n")}`,
      timeoutMs: ms,
    })) as T;

  const runRow = async (id: string) =>
    (
      await db.ds.query(
        `SELECT state, reason, worker_id AS "workerId", (SELECT count(*)::int FROM run_log_chunk c WHERE c.run_id = r.id) AS chunks
           FROM run r WHERE id = $1`,
        [id],
      )
    )[0] as { state: string; reason: string | null; workerId: string | null; chunks: number };

  const recorded = async (): Promise<Recorded[]> =>
    existsSync(record)
      ? (await readFile(record, "utf8"))
          .trim()
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Recorded)
      : [];

  it("a worker process killed with SIGKILL mid-run: a restarted one marks the run errored and the deployment runs again", async () => {
    record = path.join(tmp.path, "kill.jsonl");
    const d = await f.deployment(operator.id);
    const first = startWorker("first");
    const hanging = await enqueue(d, { mode: "hang", resources: ["a.b"] });
    await until("the run to start", async () => {
      const r = await runRow(hanging);
      return r.state === "running" && r.chunks > 0;
    });
    const [started] = await recorded();
    orphans.push(started!.pid);
    first.child.kill("SIGKILL");
    expect(await first.exited).toBeNull();
    // nixops4 does not outlive its worker (parent-death signal), so it cannot overlap a later run.
    await until("nixops4 to die with its worker", async () => !alive(started!.pid), 5000);
    // Nobody marks it yet: its heartbeat is merely getting old.
    expect((await runRow(hanging)).state).toBe("running");

    const second = startWorker("second");
    const lost = await until("the run to be marked lost", async () => {
      const r = await runRow(hanging);
      return r.state !== "running" && r;
    });
    expect(lost).toMatchObject({ state: "errored", reason: "worker lost" });
    // Never retried, and the deployment is free for a new run.
    const next = await enqueue(d, { mode: "succeed", resources: ["a.b"] });
    const done = await until("the next run", async () => {
      const r = await runRow(next);
      return ["succeeded", "failed", "errored"].includes(r.state) && r;
    });
    expect(done.state).toBe("succeeded");
    expect((await runRow(hanging)).state).toBe("errored");
    const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM run WHERE deployment_id = $1`, [d.id]);
    expect(n).toBe(2);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
    expect(second.output()).toMatch(/"msg":"worker stopped"/);
  });

  it("two worker processes, 50 runs over 10 deployments: no overlap per deployment, queue order kept", async () => {
    record = path.join(tmp.path, "fifty.jsonl");
    const deployments = await Promise.all(Array.from({ length: 10 }, () => f.deployment(operator.id)));
    const queued: { id: string; deployment: string }[] = [];
    for (let i = 0; i < 50; i++) {
      // Interleaved, so that queue order and deployment order differ.
      const d = deployments[(i * 3) % 10]!;
      queued.push({
        id: await enqueue(d, { mode: "succeed", delayMs: 10, resources: ["x.a", "x.b"] }),
        deployment: d.gid,
      });
    }
    const workers = [startWorker("w1"), startWorker("w2")];
    await until(
      "50 runs to succeed",
      async () => {
        const [{ n }] = await db.ds.query(
          `SELECT count(*)::int AS n FROM run WHERE state <> 'succeeded' AND deployment_id = ANY($1::uuid[])`,
          [deployments.map((d) => d.id)],
        );
        return n === 0;
      },
      90_000,
    );
    for (const w of workers) w.child.kill("SIGTERM");
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);

    const events = await recorded();
    expect(events).toHaveLength(100);
    for (const d of deployments) {
      // The file is appended in real time: per deployment, start and end of one process alternate.
      const mine = events.filter((e) => e.deployment === d.gid);
      expect(mine.map((e) => e.event)).toEqual(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? "end" : "start")),
      );
      for (let i = 0; i < mine.length; i += 2) expect(mine[i + 1]!.pid).toBe(mine[i]!.pid);
      const started = mine.filter((e) => e.event === "start").map((e) => path.basename(e.cwd));
      expect(started).toEqual(queued.filter((q) => q.deployment === d.gid).map((q) => q.id));
    }
    const byWorker = await db.ds.query(
      `SELECT count(DISTINCT worker_id)::int AS n FROM run WHERE deployment_id = ANY($1::uuid[])`,
      [deployments.map((d) => d.id)],
    );
    expect(byWorker[0].n).toBe(2);
    // And deployments did run side by side.
    let running = 0;
    let most = 0;
    for (const e of events) {
      running += e.event === "start" ? 1 : -1;
      most = Math.max(most, running);
    }
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(4);
  });

  it("a subscriber of this server process gets the live log of a run in a worker process, and resumes without gaps", async () => {
    record = path.join(tmp.path, "live.jsonl");
    const server = await startTestServer(db.ds);
    try {
      startWorker("live");
      const d = await f.deployment(operator.id);
      const resources = Array.from({ length: 12 }, (_, i) => `svc.r${i}`);
      const id = await enqueue(d, { mode: "succeed", delayMs: 80, resources });
      const gid = toGlobalId("Run", id);
      const first = await collectRunEvents(server, gid, 0, { stopWhen: (c) => c.nextOffset > 300 });
      expect(first.errors).toEqual([]);
      expect(first.completed).toBe(false);
      // Cut while the run goes on.
      expect((await runRow(id)).state).toBe("running");
      const rest = await collectRunEvents(server, gid, first.nextOffset);
      expect(rest.errors).toEqual([]);
      expect(rest.completed).toBe(true);
      expect(rest.states.at(-1)).toBe("SUCCEEDED");
      const chunks: { data: Buffer }[] = await db.ds.query(
        `SELECT data FROM run_log_chunk WHERE run_id = $1 ORDER BY seq`,
        [id],
      );
      const stored = Buffer.concat(chunks.map((c) => c.data));
      expect(Buffer.concat([first.bytes, rest.bytes]).equals(stored)).toBe(true);
      expect(stored.toString()).toContain("creating resource svc.r11\n");
    } finally {
      await server.stop();
    }
  });

  it("serves /metrics on METRICS_PORT when enabled, and stops cleanly on SIGTERM", async () => {
    const port = await freePort();
    const w = startWorker("metrics", { METRICS_ENABLED: "true", METRICS_PORT: String(port) });
    const text = await until("the worker's /metrics", async () => {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => null);
      return res?.status === 200 ? res.text() : null;
    });
    expect(text).toMatch(/^fedicentral_runs\{state="queued"\} \d+$/m);
    expect(text).toMatch(/^fedicentral_db_pool_connections\{state="total"\} \d+$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d/m);
    expect((await fetch(`http://127.0.0.1:${port}/graphql`)).status).toBe(404);
    w.child.kill("SIGTERM");
    expect(await w.exited).toBe(0);
  });

  it("also seals accounting events and executes queued NetBox syncs", async () => {
    const nb = await startFakeNetbox({ tokens: [V1] });
    try {
      const provider = await f.provider();
      await connectFake(db.ds, provider.id, nb, V1);
      const syncId = await enqueueSync(db.ds, systemCaller(), provider.id, "full", "manual");
      await db.ds.transaction((tx) =>
        recordEvent(tx, systemCaller(), {
          action: "test",
          targetKind: "test",
          targetId: null,
          operatorId: null,
        }),
      );
      const w = startWorker("background", { NETBOX_SECRET_KEY: TEST_SECRET_KEY });
      await until("the NetBox sync to succeed", async () => {
        const [row] = await db.ds.query(`SELECT state FROM netbox_sync_run WHERE id = $1`, [syncId]);
        return row?.state === "succeeded";
      });
      await until("every accounting event to be sealed", async () => {
        const [{ n }] = await db.ds.query(
          `SELECT count(*)::int AS n FROM accounting_event e
            WHERE NOT EXISTS (SELECT 1 FROM accounting_seal s WHERE s.event_id = e.id)`,
        );
        return n === 0;
      });
      w.child.kill("SIGTERM");
      expect(await w.exited).toBe(0);
    } finally {
      await nb.stop();
    }
  });

  it("refuses to start without DATABASE_URL or with nothing to run", async () => {
    const noDb = startWorker("no-db", { DATABASE_URL: "" });
    expect(await noDb.exited).toBe(2);
    expect(noDb.output()).toMatch(/the worker needs DATABASE_URL/);
    const idle = startWorker("idle", { RUN_CONCURRENCY: "0" });
    expect(await idle.exited).toBe(2);
    expect(idle.output()).toMatch(/concurrency 0/);
  });
});
