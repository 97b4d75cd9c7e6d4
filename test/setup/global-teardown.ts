import { Client } from "pg";

/** Drops the databases this run cloned; stops embedded PostgreSQL if the setup started it. */
export default async function globalTeardown(): Promise<void> {
  const admin = new Client({
    connectionString: process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
  });
  await admin.connect();
  // The same prefix as test/support/db-url.ts (not importable here: Jest loads this file without its mapper).
  const run = (process.env.FEDI_TEST_RUN ?? "manual")
    .replace(/[^a-z0-9]/gi, "")
    .slice(0, 8)
    .toLowerCase();
  const { rows } = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
    `fedicentral_test_${run}_%`,
  ]);
  for (const r of rows) await admin.query(`DROP DATABASE IF EXISTS ${r.datname as string} WITH (FORCE)`);
  await admin.end();
  await (globalThis as { __embeddedPg?: { stop(): Promise<void> } }).__embeddedPg?.stop();
}
