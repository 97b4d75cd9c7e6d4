import { Client } from "pg";

/** Drops the databases this run cloned; stops embedded PostgreSQL if the setup started it. */
export default async function globalTeardown(): Promise<void> {
  const admin = new Client({
    connectionString: process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
  });
  await admin.connect();
  const { rows } = await admin.query(
    `SELECT datname FROM pg_database WHERE datname LIKE 'fedicentral_test_%' AND datname <> 'fedicentral_test_template'`,
  );
  for (const r of rows) await admin.query(`DROP DATABASE IF EXISTS ${r.datname as string} WITH (FORCE)`);
  await admin.end();
  await (globalThis as { __embeddedPg?: { stop(): Promise<void> } }).__embeddedPg?.stop();
}
