import type { DataSource } from "typeorm";

/** Names of migrations the code knows but the database has not applied. */
export async function pendingMigrations(ds: DataSource): Promise<string[]> {
  const rows: { name: string }[] = await ds.query(`SELECT name FROM migrations`);
  const applied = new Set(rows.map((r) => r.name));
  return ds.migrations.map((m) => m.name ?? m.constructor.name).filter((n) => !applied.has(n));
}
