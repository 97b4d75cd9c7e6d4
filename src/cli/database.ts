import type { DataSource } from "typeorm";
import { ConfigError, loadConfig } from "../config.js";
import { createDataSource } from "../db/data-source.js";
import { startEmbeddedPostgres } from "../db/embedded.js";
import { createLogger } from "../logger.js";

/** Opens the configured database (or the embedded one) for a command, and closes it afterwards. */
export async function withDatabase<T>(work: (ds: DataSource) => Promise<T>, url?: string): Promise<T> {
  const config = loadConfig();
  const log = createLogger(process.env.LOG_LEVEL ?? "warn");
  if (config.production && !url && !config.databaseUrl)
    throw new ConfigError(
      "DATABASE_URL (or DATABASE_URL_FILE) is required in production (NODE_ENV=production): embedded PostgreSQL is for development only",
    );
  const embedded =
    url || config.databaseUrl
      ? null
      : await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort, log);
  const ds = createDataSource({
    url: url ?? config.databaseUrl ?? embedded!.url,
    log,
    poolSize: 4,
    applicationName: "fedicentral-cli",
  });
  await ds.initialize();
  try {
    return await work(ds);
  } finally {
    await ds.destroy();
    await embedded?.stop();
  }
}
