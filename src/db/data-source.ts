import { DataSource, MigrationExecutor } from "typeorm";
import { migrations } from "../../migrations/index.js";
import { syncReferenceCatalog } from "../catalog/reference-sync.js";
import type { Logger } from "../logger.js";
import { entities } from "../entities.js";
import { setLogOf } from "./db-log.js";
import { QueryLogger } from "./query-logger.js";
import { sql } from "./named-sql.js";

export type DataSourceOptions = { url: string; poolSize?: number; log: Logger; applicationName?: string };

/**
 * A connection attempt that gets no answer (a database host gone silent) fails after this, so requests
 * and /readyz answer instead of waiting for ever.
 */
const CONNECT_TIMEOUT_MS = 5000;

export function createDataSource(opts: DataSourceOptions): DataSource {
  const ds = new DataSource({
    type: "postgres",
    url: opts.url,
    entities,
    migrations,
    migrationsTableName: "migrations",
    migrationsTransactionMode: "each",
    synchronize: false,
    uuidExtension: "pgcrypto",
    logging: ["query", "error", "warn", "migration"],
    logger: new QueryLogger(opts.log),
    maxQueryExecutionTime: 1000,
    applicationName: opts.applicationName ?? "fedicentral",
    poolSize: opts.poolSize ?? 10,
    connectTimeoutMS: CONNECT_TIMEOUT_MS,
  });
  setLogOf(ds, opts.log);
  return ds;
}

/** Any number for pg_advisory_lock, the same in every version: migrations of one database take turns. */
const MIGRATION_LOCK = 7_301_905_813;

const MIGRATION_LOCK_SQL = sql("db.migrationLock", `SELECT pg_advisory_lock($1)`);
const MIGRATION_UNLOCK = sql("db.migrationUnlock", `SELECT pg_advisory_unlock($1)`);

/**
 * Applies pending migrations, then brings the providers' service catalogs up to this release's reference
 * catalog (reference data: src/catalog/reference-sync.ts); returns the migrations' names. Processes
 * migrating one database at once (replicas started together) take turns under an advisory lock, held on
 * the connection the migrations run on, so the first applies them and the others then find nothing left to do.
 */
export async function migrate(ds: DataSource, opts: { referenceData?: boolean } = {}): Promise<string[]> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.query(MIGRATION_LOCK_SQL, [MIGRATION_LOCK]);
    try {
      const executor = new MigrationExecutor(ds, runner);
      executor.transaction = "each";
      const applied = (await executor.executePendingMigrations()).map((m) => m.name);
      // Reference data fits this release's schema: a DataSource built with fewer migrations (a test
      // building an older database) gets none.
      // Generating a migration compares entities that are ahead of the schema: no reference data then.
      if (opts.referenceData !== false && ds.migrations.length === migrations.length) {
        await syncReferenceCatalog(runner.manager);
      }
      return applied;
    } finally {
      await runner.query(MIGRATION_UNLOCK, [MIGRATION_LOCK]);
    }
  } finally {
    await runner.release();
  }
}

/** SQL that would bring the database in line with the entities; empty when migrations match the code. */
export async function pendingSchemaChanges(ds: DataSource): Promise<string[]> {
  const sql = await ds.driver.createSchemaBuilder().log();
  return sql.upQueries.map((q) => q.query);
}
