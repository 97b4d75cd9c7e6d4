import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { Client } from "pg";
import type { DataSource } from "typeorm";
import { createDataSource, migrate } from "../../src/db/data-source.js";
import { createLogger } from "../../src/logger.js";
import { TEMPLATE_DB, TEST_DB_PREFIX, serverUrl, withDatabaseName } from "./db-url.js";

export type TestDatabase = { url: string; name: string; ds: DataSource; drop: () => Promise<void> };

/**
 * The first test file of a run migrates the template database (under an advisory lock, marked with the
 * run id); every file then gets its own clone of it.
 */
async function ensureTemplate(admin: Client): Promise<void> {
  const run = process.env.FEDI_TEST_RUN ?? "manual";
  await admin.query(`SELECT pg_advisory_lock(hashtext('fedicentral_test_template'))`);
  try {
    const { rows } = await admin.query(
      `SELECT shobj_description(oid, 'pg_database') AS run FROM pg_database WHERE datname = $1`,
      [TEMPLATE_DB],
    );
    if (rows[0]?.run === run) return;
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
    const ds = createDataSource({
      url: withDatabaseName(serverUrl(), TEMPLATE_DB),
      log: createLogger("silent"),
      poolSize: 1,
    });
    await ds.initialize();
    await migrate(ds);
    await ds.destroy();
    await admin.query(`COMMENT ON DATABASE ${TEMPLATE_DB} IS '${run.replace(/'/g, "")}'`);
  } finally {
    await admin.query(`SELECT pg_advisory_unlock(hashtext('fedicentral_test_template'))`);
  }
}

/** A fresh, migrated database for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `${TEST_DB_PREFIX}${randomBytes(6).toString("hex")}`;
  const admin = new Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    await ensureTemplate(admin);
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  const url = withDatabaseName(serverUrl(), name);
  const ds = createDataSource({ url, log: createLogger("silent"), poolSize: 5 });
  await ds.initialize();
  return {
    url,
    name,
    ds,
    drop: async () => {
      if (ds.isInitialized) await ds.destroy();
      const c = new Client({ connectionString: serverUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
