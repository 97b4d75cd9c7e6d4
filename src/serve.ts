import "reflect-metadata";
import { loadAccountingConfig } from "./accounting/accounting-config.js";
import { startAccountingWorker } from "./accounting/accounting-worker.js";
import { systemdNotifier } from "./common/systemd-notify.js";
import { loadConfig } from "./config.js";
import { createDataSource, migrate } from "./db/data-source.js";
import { startEmbeddedPostgres } from "./db/embedded.js";
import { databaseAnswers, waitForMigrations } from "./db/readiness.js";
import { createLogger } from "./logger.js";
import { loadNetboxConfig } from "./netbox/netbox-config.js";
import { startNetboxWorker } from "./netbox/netbox-worker.js";
import { requireNetboxKey, requireProductionSettings } from "./production.js";
import { seedDemo } from "../seeds/demo.js";
import { loadRunConfig } from "./runs/run-config.js";
import { startRunWorker } from "./runs/run-worker.js";
import { startServer } from "./server.js";
import { tuneGarbageCollection } from "./gc-tuning.js";

/**
 * The server process (`node dist/src/main.js`, `fedicentral serve`): API, run worker, sealer, NetBox worker.
 * Configuration problems throw ConfigError before anything is started.
 */
export async function serve(): Promise<void> {
  tuneGarbageCollection();
  const config = loadConfig();
  const runConfig = loadRunConfig();
  const accountingConfig = loadAccountingConfig();
  const netboxConfig = loadNetboxConfig();
  requireProductionSettings(config, accountingConfig);
  const log = createLogger(config.logLevel);
  const notifier = systemdNotifier(process.env, log);
  // What has started so far: stopped first the watchdog, then the HTTP server (no new requests), then the
  // rest in reverse order of start. The signal handlers come first: a SIGTERM during start-up (waiting for
  // migrations, keys loading) stops what is there instead of killing the process.
  const started: { name: string; stop: () => Promise<void> | void }[] = [];
  const stopOrder = () => {
    const server = started.filter((p) => p.name === "server");
    return [...server, ...started.filter((p) => p.name !== "server").reverse()];
  };
  let stopWatchdog: (() => void) | undefined;
  let stopping = false;
  let startup: Promise<void> = Promise.resolve();
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    await startup.catch(() => undefined);
    stopWatchdog?.();
    await notifier?.stopping();
    try {
      for (const part of stopOrder()) await part.stop();
    } catch (e) {
      log.error({ err: e }, "error during shutdown");
      process.exitCode = 1;
    }
    log.info("stopped");
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));

  startup = (async () => {
    let url = config.databaseUrl;
    if (!url) {
      const embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort, log);
      started.push({ name: "embedded PostgreSQL", stop: () => embedded.stop() });
      url = embedded.url;
    }
    const ds = createDataSource({ url, poolSize: config.dbPoolSize, log });
    await ds.initialize();
    started.push({ name: "database pool", stop: () => ds.destroy() });
    if (config.migrateOnStart) {
      const applied = await migrate(ds);
      if (applied.length) log.info({ applied }, "migrations applied");
    } else {
      await waitForMigrations(ds, log, () => stopping);
    }
    if (stopping) return;
    await requireNetboxKey(ds, config, netboxConfig);
    if (config.seedDemo) {
      await seedDemo(ds);
      log.info("demo seeds loaded");
    }
    if (stopping) return;
    const server = await startServer(config, ds, log);
    started.push({ name: "server", stop: () => server.stop() });
    const runWorker = startRunWorker(ds, log, runConfig);
    started.push({ name: "run worker", stop: () => runWorker.stop() });
    const accounting = startAccountingWorker(ds, log, accountingConfig);
    started.push({ name: "accounting worker", stop: () => accounting.stop() });
    if (netboxConfig.worker) {
      const netboxWorker = startNetboxWorker(ds, log, netboxConfig);
      started.push({ name: "NetBox worker", stop: () => netboxWorker.stop() });
    }
    if (stopping) return;
    await notifier?.ready();
    stopWatchdog = notifier?.watchdog(() => databaseAnswers(ds, 5000));
  })();
  await startup;
}
