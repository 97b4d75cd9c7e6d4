import "reflect-metadata";
import { loadAccountingConfig } from "./accounting/accounting-config.js";
import { startAccountingWorker } from "./accounting/accounting-worker.js";
import { systemdNotifier } from "./common/systemd-notify.js";
import { loadConfig } from "./config.js";
import { createDataSource, migrate } from "./db/data-source.js";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./db/embedded.js";
import { databaseAnswers, waitForMigrations } from "./db/readiness.js";
import { createLogger } from "./logger.js";
import { loadNetboxConfig } from "./netbox/netbox-config.js";
import { startNetboxWorker } from "./netbox/netbox-worker.js";
import { requireNetboxKey, requireProductionSettings } from "./production.js";
import { seedDemo } from "../seeds/demo.js";
import { loadRunConfig } from "./runs/run-config.js";
import { startRunWorker } from "./runs/run-worker.js";
import { startServer } from "./server.js";

/**
 * The server process (`node dist/src/main.js`, `fedicentral serve`): API, run worker, sealer, NetBox worker.
 * Configuration problems throw ConfigError before anything is started.
 */
export async function serve(): Promise<void> {
  const config = loadConfig();
  const runConfig = loadRunConfig();
  const accountingConfig = loadAccountingConfig();
  const netboxConfig = loadNetboxConfig();
  requireProductionSettings(config, accountingConfig);
  const log = createLogger(config.logLevel);
  const notifier = systemdNotifier(process.env, log);
  let embedded: EmbeddedDatabase | null = null;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort, log);
    url = embedded.url;
  }
  const ds = createDataSource({ url, poolSize: config.dbPoolSize, log });
  await ds.initialize();
  let stopping = false;
  if (config.migrateOnStart) {
    const applied = await migrate(ds);
    if (applied.length) log.info({ applied }, "migrations applied");
  } else {
    await waitForMigrations(ds, log, () => stopping);
  }
  await requireNetboxKey(ds, config, netboxConfig);
  if (config.seedDemo) {
    await seedDemo(ds);
    log.info("demo seeds loaded");
  }
  const server = await startServer(config, ds, log);
  const runWorker = startRunWorker(ds, log, runConfig);
  const accounting = startAccountingWorker(ds, log, accountingConfig);
  const netboxWorker = netboxConfig.worker ? startNetboxWorker(ds, log, netboxConfig) : null;
  await notifier?.ready();
  const stopWatchdog = notifier?.watchdog(() => databaseAnswers(ds, 5000));

  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    stopWatchdog?.();
    await notifier?.stopping();
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
