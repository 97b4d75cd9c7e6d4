import type { DataSource } from "typeorm";
import type { Logger } from "../logger.js";
import { sql } from "./named-sql.js";

const APPLIED_MIGRATIONS = sql("db.appliedMigrations", `SELECT name FROM migrations`);

/** Names of migrations the code knows but the database has not applied. */
export async function pendingMigrations(ds: DataSource): Promise<string[]> {
  const rows: { name: string }[] = await ds.query(APPLIED_MIGRATIONS);
  const applied = new Set(rows.map((r) => r.name));
  return ds.migrations.map((m) => m.name ?? m.constructor.name).filter((n) => !applied.has(n));
}

/**
 * Waits until every migration the code knows is applied (by `fedicentral db migrate` or another process),
 * looking once a second; returns early when `stopped` says so.
 */
export async function waitForMigrations(
  ds: DataSource,
  log: Logger,
  stopped: () => boolean = () => false,
): Promise<void> {
  let waiting = false;
  while (!stopped()) {
    const pending = await pendingMigrations(ds).catch(() => ["(no migrations table yet)"]);
    if (pending.length === 0) return;
    if (!waiting) log.info({ pending }, "waiting for migrations (fedicentral db migrate)");
    waiting = true;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

const PING = sql("db.ping", "SELECT 1");

/** What p resolves to, or a rejection once timeoutMs passed without it (p itself goes on). */
export async function within<T>(p: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the database answers a trivial query within `timeoutMs`. */
export async function databaseAnswers(ds: DataSource, timeoutMs: number): Promise<boolean> {
  return within(ds.query(PING), timeoutMs).then(
    () => true,
    () => false,
  );
}
