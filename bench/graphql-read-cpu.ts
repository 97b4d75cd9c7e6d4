// First: the libraries below read NODE_ENV as they load.
import "./support/production-env.js";
import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { startServer } from "../src/server.js";
import { COUNTED_NOT_LIMITED } from "./support/limits.js";
import { createBenchDatabase } from "./support/database.js";
import { load } from "./support/load.js";
import { benchNumber, progress } from "./support/progress.js";
import { QUERY, issueToken, seed, serviceAccount } from "./graphql-read.js";

/**
 * The A/B companion of graphql-read: fedicentral alone (authorization on, a bearer token), the same nested
 * read and data, BENCH_ROUNDS measurements of BENCH_SECONDS at each of BENCH_CONNECTIONS (default 8), and
 * the CPU milliseconds per request of the server (user and system) and of PostgreSQL, as min and median
 * over the rounds: on a shared machine these move far less than req/s. BENCH_SETUP_SQL runs on the bench
 * database before the load (say, DROP INDEX to measure one); BENCH_CPU_PROFILE=<file> writes a V8 CPU
 * profile of the measured rounds and BENCH_HEAP_PROFILE=<file> a sampling heap profile (allocations).
 */
export async function run(): Promise<Record<string, unknown>> {
  const seconds = benchNumber("BENCH_SECONDS", 5, 0.1);
  const rounds = benchNumber("BENCH_ROUNDS", 4, 1);
  const connections = (process.env.BENCH_CONNECTIONS ?? "8").split(",").map(Number);
  const db = await createBenchDatabase({ poolSize: 10 });
  try {
    await seed(db.ds);
    if (process.env.BENCH_SETUP_SQL) await db.ds.query(process.env.BENCH_SETUP_SQL);
    const reader = await serviceAccount(db.ds);
    const config = loadConfig({
      ...COUNTED_NOT_LIMITED,
      PORT: "0",
      LOG_LEVEL: "silent",
      DATABASE_URL: db.url,
      DB_POOL_SIZE: "10",
      AUTH_ENCRYPTION_KEY: randomBytes(32).toString("base64url"),
    });
    const fedi = await startServer(config, db.ds, createLogger("silent"));
    try {
      const opts = {
        url: `${fedi.url}/graphql`,
        body: JSON.stringify({ query: QUERY }),
        database: db.name,
        headers: { authorization: `Bearer ${await issueToken(`${fedi.url}/oidc/token`, reader)}` },
      };
      await load({ ...opts, connections: 8, seconds: 2 });
      const profiles = await startProfiles();
      const figures = {
        server: [] as number[],
        user: [] as number[],
        system: [] as number[],
        pg: [] as number[],
      };
      const p99 = new Map<number, number[]>(connections.map((c) => [c, []]));
      for (let r = 0; r < rounds; r++) {
        for (const c of connections) {
          const before = process.cpuUsage();
          const f = await load({ ...opts, connections: c, seconds });
          const used = process.cpuUsage(before);
          figures.server.push(f.cpu.nodeMs);
          figures.user.push(used.user / 1000 / f.requests);
          figures.system.push(used.system / 1000 / f.requests);
          figures.pg.push(f.cpu.pgMs ?? NaN);
          p99.get(c)!.push(f.p99Ms);
          progress(
            `${c} connections: ${f.reqPerSec.toFixed(1)} req/s, p99 ${f.p99Ms} ms; CPU ms per request: server ` +
              `${f.cpu.nodeMs.toFixed(2)} (user ${(used.user / 1000 / f.requests).toFixed(2)}), ` +
              `PostgreSQL ${f.cpu.pgMs?.toFixed(2) ?? "n/a"}, machine ${f.cpu.machineMs?.toFixed(2) ?? "n/a"}`,
          );
        }
      }
      await profiles.stop();
      return {
        cpuMsPerRequest: Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, minMedian(v)])),
        p99Ms: Object.fromEntries([...p99].map(([c, v]) => [c, minMedian(v)])),
        rounds,
        seconds,
      };
    } finally {
      await fedi.stop();
    }
  } finally {
    await db.drop();
  }
}

const minMedian = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: Math.round(s[0]! * 100) / 100, median: Math.round(s[Math.floor(s.length / 2)]! * 100) / 100 };
};

/** The profiles asked for, started; stop() writes them. */
async function startProfiles(): Promise<{ stop: () => Promise<void> }> {
  const cpuFile = process.env.BENCH_CPU_PROFILE;
  const heapFile = process.env.BENCH_HEAP_PROFILE;
  if (!cpuFile && !heapFile) return { stop: async () => {} };
  const session = new Session();
  session.connect();
  if (cpuFile) {
    await session.post("Profiler.enable");
    await session.post("Profiler.start");
  }
  if (heapFile) {
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  return {
    stop: async () => {
      if (cpuFile) writeFileSync(cpuFile, JSON.stringify((await session.post("Profiler.stop")).profile));
      if (heapFile)
        writeFileSync(heapFile, JSON.stringify((await session.post("HeapProfiler.stopSampling")).profile));
      session.disconnect();
    },
  };
}
