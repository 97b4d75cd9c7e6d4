import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import net from "node:net";
import { createBenchDatabase } from "./support/database.js";
import { benchNumber, progress } from "./support/progress.js";

// From `node dist/src/main.js` to /readyz 200 on an empty database (migrations applied at start), the
// median of BENCH_STARTS starts, each on a new database. Target: under 3 s.
const MAIN = "dist/src/main.js";
const TARGET_MS = 3000;

export async function run(): Promise<Record<string, unknown>> {
  const starts = benchNumber("BENCH_STARTS", 5, 1);
  const bench = await createBenchDatabase({ poolSize: 2 });
  const times: number[] = [];
  try {
    for (let i = 0; i < starts; i++) {
      const name = `${bench.name}_s${i}`;
      await bench.ds.query(`CREATE DATABASE ${name}`);
      const url = new URL(bench.url);
      url.pathname = `/${name}`;
      try {
        times.push(await timeToReady(url.toString()));
        progress(`start ${i + 1}/${starts}: ready after ${times.at(-1)} ms`);
      } finally {
        await bench.ds.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }
    }
  } finally {
    await bench.drop();
  }
  const sorted = [...times].sort((a, b) => a - b);
  const readyMs = sorted[Math.floor(sorted.length / 2)]!;
  return {
    readyMs,
    minMs: sorted[0],
    maxMs: sorted.at(-1),
    starts,
    targetMs: TARGET_MS,
    met: readyMs < TARGET_MS,
  };
}

async function timeToReady(databaseUrl: string): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? "",
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      AUTH_ENCRYPTION_KEY: randomBytes(32).toString("base64url"),
      MIGRATE_ON_START: "true",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) return Math.round(performance.now() - started);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    await stop(child);
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
