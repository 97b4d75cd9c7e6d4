import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { Client } from "pg";
import type { DataSource } from "typeorm";
import { createDataSource, migrate } from "../../src/db/data-source.js";
import { createLogger } from "../../src/logger.js";
import { TEMPLATE_DB, TEST_DB_PREFIX, serverUrl, withDatabaseName } from "./db-url.js";

export type TestDatabase = { url: string; name: string; ds: DataSource; drop: () => Promise<void> };

/** The first test file of a run migrates this run's template database; every file then clones it. */
async function ensureTemplate(admin: Client): Promise<void> {
  await admin.query(`SELECT pg_advisory_lock(hashtext($1))`, [TEMPLATE_DB]);
  try {
    const { rows } = await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [TEMPLATE_DB]);
    if (rows.length > 0) return;
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
    const ds = createDataSource({
      url: withDatabaseName(serverUrl(), TEMPLATE_DB),
      log: createLogger("silent"),
      poolSize: 1,
    });
    await ds.initialize();
    await migrate(ds);
    await ds.destroy();
  } finally {
    await admin.query(`SELECT pg_advisory_unlock(hashtext($1))`, [TEMPLATE_DB]);
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

/** An empty database (no migrations applied), for tests that build an older schema's state themselves. */
export async function createEmptyDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${TEST_DB_PREFIX}${randomBytes(6).toString("hex")}`;
  const admin = new Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabaseName(serverUrl(), name),
    drop: async () => {
      const c = new Client({ connectionString: serverUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
