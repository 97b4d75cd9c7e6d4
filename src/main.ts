import "reflect-metadata";
import { loadConfig, ConfigError } from "./config.js";
import { createDataSource, migrate } from "./db/data-source.js";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./db/embedded.js";
import { createLogger } from "./logger.js";
import { seedDemo } from "../seeds/demo.js";
import { loadRunConfig, RunConfigError } from "./runs/run-config.js";
import { startRunWorker } from "./runs/run-worker.js";
import { startServer } from "./server.js";

async function main(): Promise<void> {
  let config;
  let runConfig;
  try {
    config = loadConfig();
    runConfig = loadRunConfig();
  } catch (e) {
    if (e instanceof ConfigError || e instanceof RunConfigError) {
      process.stderr.write(`fedicentral: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger(config.logLevel);
  let embedded: EmbeddedDatabase | null = null;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort, log);
    url = embedded.url;
  }
  const ds = createDataSource({ url, poolSize: config.dbPoolSize, log });
  await ds.initialize();
  const applied = await migrate(ds);
  if (applied.length) log.info({ applied }, "migrations applied");
  if (config.seedDemo) {
    await seedDemo(ds);
    log.info("demo seeds loaded");
  }
  const server = await startServer(config, ds, log);
  const runWorker = startRunWorker(ds, log, runConfig);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    try {
      await server.stop();
      await runWorker.stop();
      await ds.destroy();
      await embedded?.stop();
    } catch (e) {
      log.error({ err: e }, "error during shutdown");
      process.exitCode = 1;
    }
    log.info("stopped");
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((e: unknown) => {
  process.stderr.write(
    `fedicentral: failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  process.exit(1);
});
