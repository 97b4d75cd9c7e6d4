import "reflect-metadata";
import { loadAccountingConfig } from "./accounting/accounting-config.js";
import { startAccountingWorker } from "./accounting/accounting-worker.js";
import { loadConfig, ConfigError } from "./config.js";
import { createDataSource, migrate } from "./db/data-source.js";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./db/embedded.js";
import { createLogger } from "./logger.js";
import { loadNetboxConfig, NetboxConfigError } from "./netbox/netbox-config.js";
import { startNetboxWorker } from "./netbox/netbox-worker.js";
import { seedDemo } from "../seeds/demo.js";
import { loadRunConfig, RunConfigError } from "./runs/run-config.js";
import { startRunWorker } from "./runs/run-worker.js";
import { startServer } from "./server.js";

async function main(): Promise<void> {
  let config;
  let runConfig;
  let accountingConfig;
  let netboxConfig;
  try {
    config = loadConfig();
    runConfig = loadRunConfig();
    accountingConfig = loadAccountingConfig();
    netboxConfig = loadNetboxConfig();
  } catch (e) {
    if (e instanceof ConfigError || e instanceof RunConfigError || e instanceof NetboxConfigError) {
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
  const accounting = startAccountingWorker(ds, log, accountingConfig);
  const netboxWorker = netboxConfig.worker ? startNetboxWorker(ds, log, netboxConfig) : null;

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    try {
      await server.stop();
      await runWorker.stop();
      await accounting.stop();
      await netboxWorker?.stop();
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
