import { DataSource } from "typeorm";
import { migrations } from "../../migrations/index.js";
import type { Logger } from "../logger.js";
import { entities } from "../modules.js";
import { QueryLogger } from "./query-logger.js";

export type DataSourceOptions = { url: string; poolSize?: number; log: Logger; applicationName?: string };

export function createDataSource(opts: DataSourceOptions): DataSource {
  return new DataSource({
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
  });
}

/** Applies pending migrations; returns their names. */
export async function migrate(ds: DataSource): Promise<string[]> {
  const done = await ds.runMigrations({ transaction: "each" });
  return done.map((m) => m.name);
}

/** SQL that would bring the database in line with the entities; empty when migrations match the code. */
export async function pendingSchemaChanges(ds: DataSource): Promise<string[]> {
  const sql = await ds.driver.createSchemaBuilder().log();
  return sql.upQueries.map((q) => q.query);
}
