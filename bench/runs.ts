import "reflect-metadata";
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Principal } from "../src/common/principal.js";
import { toGlobalId } from "../src/common/global-id.js";
import { loadConfig } from "../src/config.js";
import { COUNTED_NOT_LIMITED } from "./support/limits.js";
import { systemCaller } from "../src/common/caller.js";
import { createLogger } from "../src/logger.js";
import { RunService } from "../src/runs/run.service.js";
import { configSections } from "../src/modules.js";
import { startServer } from "../src/server.js";
import { installReferenceCatalog } from "../src/catalog/reference-sync.js";
import { cpuSample } from "./support/cpu.js";
import { createBenchDatabase } from "./support/database.js";
import { progress } from "./support/progress.js";

/**
 * The run gateway end to end: two `fedicentral worker` processes (the built CLI) and a nixops4 that
 * exits at once (a bash script that only notes when it started). Enqueue goes through RunService.apply,
 * as applyDeployment does. Three phases:
 *  - throughput: 1,000 runs over 100 deployments (10 each) queued before the workers start: runs
 *    completed per second from the first start to the last end;
 *  - latency: 200 runs enqueued at 20 per second over the 100 deployments, so the queue is empty when each
 *    arrives: how long from enqueue (the run's queued_at) to the start of the nixops4 process;
 *  - logs: one run whose nixops4 prints 100 MB, stored with the cap raised above that and delivered over
 *    graphql-ws to a subscriber in a child process: MB/s stored and delivered.
 */

const DEPLOYMENTS = 100;
const BURST_RUNS = Number(process.env.BENCH_RUNS ?? 1000);
const PACED_RUNS = 200;
const PACED_PER_SEC = 20;
const LOG_BYTES = Number(process.env.BENCH_LOG_MB ?? 100) * 1_000_000;
const TARGETS = { runsPerSec: 50, enqueueToStartP50Ms: 50, logMBps: 20 };
const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const FLOOD_FAKE = path.resolve("test/fakes/nixops4/nixops4");
const SUBSCRIBER = fileURLToPath(new URL("./support/run-log-subscriber.js", import.meta.url));

// Notes "<run id> <epoch seconds with microseconds>" and exits 0; hands over to the flooding fake for
// the log phase. Bash builtins only, so no process is forked per run besides bash itself.
const INSTANT_FAKE = `#!/bin/bash
printf '%s %s\\n' "\${PWD##*/}" "$EPOCHREALTIME" >> "$BENCH_STARTS"
IFS= read -r -d '' cfg < deployment.json
if [[ $cfg == *'"mode": "flood"'* ]]; then exec "$BENCH_FLOOD_FAKE" "$@"; fi
exit 0
`;

const BENCH_PRINCIPAL = { kind: "user", id: "bench", name: "bench" } as Principal;

export async function run(): Promise<Record<string, unknown>> {
  const db = await createBenchDatabase({ poolSize: 10 });
  const dir = await mkdtemp(path.join(os.tmpdir(), "fedicentral-bench-runs-"));
  const workers: ChildProcess[] = [];
  try {
    const deployments = await seed(db.ds);
    const fake = path.join(dir, "nixops4");
    await writeFile(fake, INSTANT_FAKE);
    await chmod(fake, 0o755);
    const starts = path.join(dir, "starts.txt");
    await writeFile(starts, "");
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      LOG_LEVEL: "info",
      DATABASE_URL: db.url,
      DB_POOL_SIZE: "6",
      NIXOPS4_BIN: fake,
      NIXOPS4_PASS_ENV: "BENCH_STARTS,BENCH_FLOOD_FAKE",
      BENCH_STARTS: starts,
      BENCH_FLOOD_FAKE: FLOOD_FAKE,
      DEPLOYMENTS_DIR: path.join(dir, "deployments"),
      RUN_LOG_CAP_BYTES: String(LOG_BYTES + 1_000_000),
      RUN_CONCURRENCY: process.env.RUN_CONCURRENCY ?? "2",
    };
    const runs = new RunService(db.ds, configSections);
    let keys = 0;
    const apply = (d: string) => runs.apply(systemCaller(), toGlobalId("Deployment", d), `bench-${++keys}`);

    // --- throughput: 10 runs per deployment, interleaved, queued before any worker runs
    const burst: string[] = [];
    const enqueueStart = Date.now();
    const order = Array.from({ length: BURST_RUNS }, (_, i) => deployments[i % DEPLOYMENTS]!);
    const enqueuers = 8;
    await Promise.all(
      Array.from({ length: enqueuers }, async (_, k) => {
        for (let i = k; i < order.length; i += enqueuers) burst.push(await apply(order[i]!));
      }),
    );
    const enqueuePerSec = round(BURST_RUNS / ((Date.now() - enqueueStart) / 1000), 1);
    progress(
      `${BURST_RUNS} runs enqueued through RunService.apply, ${enqueuers} at a time: ${enqueuePerSec}/s`,
    );
    for (const name of ["w1", "w2"]) workers.push(await startWorker(name, env));
    progress(`two worker processes (RUN_CONCURRENCY default, 200 ms polling), nixops4: ${fake}`);
    const cpuBefore = { workers: workers.map(cpuMsOf), pg: cpuSample(db.name) };
    await allEnded(db.ds, burst);
    const cpuPerRun = {
      workersMs: round(
        workers.reduce((t, w, i) => t + cpuMsOf(w) - cpuBefore.workers[i]!, 0) / BURST_RUNS,
        2,
      ),
      postgresMs: cpuSample(db.name).minus(cpuBefore.pg, BURST_RUNS).pgMs,
    };
    const burstStarts = await startTimes(starts);
    const firstStart = Math.min(...burst.map((id) => burstStarts.get(id) ?? Infinity));
    const [span] = await db.ds.query(
      `SELECT extract(epoch FROM max(finished_at)) * 1000 AS last, count(*) FILTER (WHERE state = 'succeeded')::int AS ok
         FROM run WHERE id = ANY($1::uuid[])`,
      [burst],
    );
    if (span.ok !== BURST_RUNS) throw new Error(`${BURST_RUNS - span.ok} burst runs did not succeed`);
    const burstMs = Number(span.last) - firstStart;
    const runsPerSec = round(BURST_RUNS / (burstMs / 1000), 1);
    progress(
      `throughput: ${BURST_RUNS} runs over ${DEPLOYMENTS} deployments done ${Math.round(burstMs)} ms after the ` +
        `first started: ${runsPerSec} runs/s; CPU per run: workers ${cpuPerRun.workersMs} ms, PostgreSQL ` +
        `${cpuPerRun.postgresMs?.toFixed(2) ?? "n/a"} ms (machine load average ${os.loadavg()[0]!.toFixed(2)})`,
    );

    // --- latency: runs arrive one at a time on idle deployments
    const paced: string[] = [];
    const t0 = Date.now();
    for (let i = 0; i < PACED_RUNS; i++) {
      const due = t0 + (i * 1000) / PACED_PER_SEC;
      await sleep(due - Date.now());
      paced.push(await apply(deployments[i % DEPLOYMENTS]!));
    }
    await allEnded(db.ds, paced);
    const pacedLatency = await enqueueToStart(db.ds, starts, paced);
    progress(
      `latency: ${PACED_RUNS} runs at ${PACED_PER_SEC}/s: enqueue to nixops4 start p50 ${pacedLatency.p50} ms, ` +
        `p99 ${pacedLatency.p99} ms, max ${pacedLatency.max} ms`,
    );

    // --- logs: one run printing LOG_BYTES, watched live from another process over graphql-ws
    const server = await startServer(
      loadConfig({ ...COUNTED_NOT_LIMITED, PORT: "0", LOG_LEVEL: "silent", DATABASE_URL: db.url }),
      db.ds,
      createLogger("silent"),
      { principalOf: () => BENCH_PRINCIPAL, authorizationOff: true },
    );
    let log: LogFigures;
    try {
      log = await logPhase(db.ds, server.url, deployments[0]!, starts);
    } finally {
      await server.stop();
    }
    progress(
      `logs: ${LOG_BYTES / 1e6} MB stored at ${log.storedMBps} MB/s, delivered to a subscriber at ` +
        `${log.deliveredMBps} MB/s (${log.events} events, bytes identical)`,
    );

    const figures = {
      runsPerSec,
      enqueueToStartP50Ms: pacedLatency.p50,
      enqueueToStartP99Ms: pacedLatency.p99,
      logMBps: log.deliveredMBps,
      logStoredMBps: log.storedMBps,
      enqueuePerSec,
      cpuPerRun,
      loadAverage: round(os.loadavg()[0]!, 2),
      targets: TARGETS,
      meetsRunsPerSec: runsPerSec >= TARGETS.runsPerSec,
      meetsEnqueueToStartP50: pacedLatency.p50 < TARGETS.enqueueToStartP50Ms,
      meetsLogMBps: log.deliveredMBps > TARGETS.logMBps,
      workload: {
        workers: 2,
        deployments: DEPLOYMENTS,
        burstRuns: BURST_RUNS,
        pacedRuns: PACED_RUNS,
        pacedPerSec: PACED_PER_SEC,
        logBytes: LOG_BYTES,
      },
      machine: { node: process.version, cpus: os.availableParallelism(), postgres: db.serverVersion },
      database: db.source,
    };
    return figures;
  } finally {
    await Promise.all(workers.map(stopWorker));
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

type LogFigures = { storedMBps: number; deliveredMBps: number; events: number };

async function logPhase(
  ds: import("typeorm").DataSource,
  url: string,
  deploymentId: string,
  starts: string,
): Promise<LogFigures> {
  const [row] = await ds.query(
    `INSERT INTO run (deployment_id, state, config, config_hash, generation, initiator)
     VALUES ($1, 'queued', $2, 'bench', 1, '{"kind":"system"}') RETURNING id`,
    [
      deploymentId,
      JSON.stringify({
        deployment: { id: toGlobalId("Deployment", deploymentId) },
        fake: { mode: "flood", floodBytes: LOG_BYTES },
      }),
    ],
  );
  const id = row.id as string;
  // The subscriber runs in its own process, so its decoding does not share the server's CPU time slice.
  const child = spawn(process.execPath, [SUBSCRIBER, url, toGlobalId("Run", id)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`the log subscriber failed (exit ${code}): ${out}`);
  const received = JSON.parse(out.trim().split("\n").at(-1)!) as {
    bytes: number;
    sha256: string;
    lastByteAt: number;
    events: number;
    state: string;
  };
  const [stored] = await ds.query(
    `SELECT r.state, extract(epoch FROM r.finished_at) * 1000 AS "finishedAt",
            (SELECT sum(octet_length(data))::bigint FROM run_log_chunk WHERE run_id = r.id) AS bytes,
            (SELECT encode(sha256(string_agg(data, ''::bytea ORDER BY seq)), 'hex') FROM run_log_chunk WHERE run_id = r.id) AS sha
       FROM run r WHERE r.id = $1`,
    [id],
  );
  if (stored.state !== "succeeded" || Number(stored.bytes) !== LOG_BYTES)
    throw new Error(`flood run: ${stored.state}, ${stored.bytes} bytes stored`);
  if (received.bytes !== LOG_BYTES || received.sha256 !== stored.sha)
    throw new Error(`the subscriber received ${received.bytes} bytes, not the ${LOG_BYTES} stored ones`);
  const startedAt = (await startTimes(starts)).get(id);
  if (!startedAt) throw new Error("the flood run's start was not recorded");
  const mb = LOG_BYTES / 1e6;
  return {
    storedMBps: round(mb / ((Number(stored.finishedAt) - startedAt) / 1000), 1),
    deliveredMBps: round(mb / ((received.lastByteAt - startedAt) / 1000), 1),
    events: received.events,
  };
}

/** 100 deployments of one operator, each with one service, in a few statements. */
async function seed(ds: import("typeorm").DataSource): Promise<string[]> {
  return ds.transaction(async (tx) => {
    const [p] = await tx.query(
      `INSERT INTO provider (slug, name, contact_email) VALUES ('bench', 'Bench', 'ops@bench.example') RETURNING id`,
    );
    await installReferenceCatalog(tx, systemCaller(), p.id);
    const [o] = await tx.query(
      `INSERT INTO operator (provider_id, slug, name, contact_email, dns_zone, quota_storage_gib, quota_vcpus, quota_memory_gib)
       VALUES ($1, 'op', 'Operator', 'admin@op.example', 'op.example', 100000, 1000, 4000) RETURNING id`,
      [p.id],
    );
    const rows: { id: string }[] = await tx.query(
      `INSERT INTO deployment (operator_id, name) SELECT $1, 'd-' || g FROM generate_series(1, $2) g RETURNING id`,
      [o.id, DEPLOYMENTS],
    );
    await tx.query(
      `INSERT INTO service (deployment_id, service_type_id, domain)
       SELECT d.id, (SELECT id FROM service_type WHERE provider_id = $2 AND slug = 'mastodon'), 'social.' || d.name || '.op.example'
         FROM deployment d WHERE d.operator_id = $1`,
      [o.id, p.id],
    );
    return rows.map((r) => r.id);
  });
}

async function startWorker(name: string, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, "worker"], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes("run worker started")) resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (d: Buffer) => process.stderr.write(`[${name}] ${d}`));
    child.once("exit", (code) => reject(new Error(`worker ${name} exited (${code}): ${out}`)));
  });
  // Only warnings from here on.
  child.stdout!.removeAllListeners("data");
  child.stdout!.on("data", (d: Buffer) => {
    for (const line of d.toString().split("\n"))
      if (/"level":[45]\d/.test(line)) process.stderr.write(`[${name}] ${line}\n`);
  });
  return child;
}

/** CPU time so far of a child process (user + system), from /proc. */
function cpuMsOf(child: ChildProcess): number {
  try {
    const stat = readFileSync(`/proc/${child.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await Promise.race([exited, sleep(10_000)]);
  child.kill("SIGKILL");
}

async function allEnded(ds: import("typeorm").DataSource, ids: string[], timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [{ n }] = await ds.query(
      `SELECT count(*)::int AS n FROM run WHERE id = ANY($1::uuid[]) AND finished_at IS NULL`,
      [ids],
    );
    if (n === 0) return;
    if (Date.now() > deadline) throw new Error(`${n} runs did not end`);
    await sleep(50);
  }
}

async function startTimes(file: string): Promise<Map<string, number>> {
  const map = new Map<string, number>();
  for (const line of (await readFile(file, "utf8")).split("\n")) {
    const [id, t] = line.split(" ");
    if (id && t) map.set(id, Number(t) * 1000);
  }
  return map;
}

async function enqueueToStart(ds: import("typeorm").DataSource, file: string, ids: string[]) {
  const starts = await startTimes(file);
  const rows: { id: string; queued: string }[] = await ds.query(
    `SELECT id, extract(epoch FROM queued_at) * 1000 AS queued FROM run WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  const ms = rows
    .map((r) => {
      const s = starts.get(r.id);
      if (s === undefined) throw new Error(`run ${r.id} has no recorded start`);
      return s - Number(r.queued);
    })
    .sort((a, b) => a - b);
  const at = (q: number) => round(ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]!, 1);
  return { p50: at(0.5), p99: at(0.99), max: round(ms.at(-1)!, 1) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
