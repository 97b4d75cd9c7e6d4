import type { Command } from "commander";
import { loadAccountingConfig } from "../accounting/accounting-config.js";
import { startAccountingWorker } from "../accounting/accounting-worker.js";
import { ConfigError } from "../common/config-error.js";
import { systemdNotifier } from "../common/systemd-notify.js";
import { loadConfig } from "../config.js";
import { createDataSource } from "../db/data-source.js";
import { databaseAnswers, waitForMigrations } from "../db/readiness.js";
import { createLogger } from "../logger.js";
import { serveMetrics } from "../metrics/metrics-endpoint.js";
import { scrapeRegistry } from "../metrics/scrape.js";
import { loadNetboxConfig } from "../netbox/netbox-config.js";
import { startNetboxWorker } from "../netbox/netbox-worker.js";
import { requireNetboxKey, requireProductionSettings } from "../production.js";
import { loadRunConfig } from "../runs/run-config.js";
import { startRunWorker } from "../runs/run-worker.js";

/**
 * `fedicentral worker`: the background work without the API, next to any number of servers and workers:
 * runs, sealing accounting events, and (unless NETBOX_SYNC_WORKER=false) NetBox syncs. All of them are
 * safe to have in several processes at once.
 */
export function registerWorkerCommand(program: Command): void {
  program
    .command("worker")
    .description(
      "execute queued nixops4 runs, seal accounting events and run NetBox syncs in this process " +
        "(needs DATABASE_URL; the RUN_*, ACCOUNTING_* and NETBOX_* variables apply); stops cleanly on SIGTERM or SIGINT",
    )
    .option("--concurrency <n>", "runs at once (default: RUN_CONCURRENCY)")
    .action(async (opts: { concurrency?: string }) => {
      await runWorkerProcess(opts.concurrency);
    });
}

async function runWorkerProcess(concurrencyOption: string | undefined): Promise<void> {
  let config;
  let runConfig;
  let accountingConfig;
  let netboxConfig;
  try {
    config = loadConfig();
    runConfig = loadRunConfig(
      concurrencyOption === undefined ? process.env : { ...process.env, RUN_CONCURRENCY: concurrencyOption },
    );
    accountingConfig = loadAccountingConfig();
    netboxConfig = loadNetboxConfig();
    requireProductionSettings(config, accountingConfig);
  } catch (e) {
    if (e instanceof ConfigError) return exitWith(e.message);
    throw e;
  }
  // Embedded PostgreSQL belongs to the one server process that started it.
  if (!config.databaseUrl) return exitWith("the worker needs DATABASE_URL (the servers' database)");
  if (runConfig.concurrency === 0)
    return exitWith(
      "a worker with concurrency 0 would run nothing: pass --concurrency or set RUN_CONCURRENCY",
    );

  const log = createLogger(config.logLevel).child({ process: "worker" });
  const notifier = systemdNotifier(process.env, log);
  const ds = createDataSource({
    url: config.databaseUrl,
    poolSize: config.dbPoolSize,
    log,
    applicationName: "fedicentral-worker",
  });
  await ds.initialize();

  // Servers show metrics on their own port; a worker has none, so it opens one for them.
  let metrics: { port: number; close: () => Promise<void> } | null = null;
  if (config.metrics.enabled) {
    metrics = await serveMetrics(scrapeRegistry(ds), {
      ...config.metrics,
      port: config.metrics.workerPort,
      host: config.host,
    });
    log.info({ port: metrics.port }, "metrics at /metrics");
  }

  let stopping = false;
  let stopWatchdog: (() => void) | undefined;
  let stopped!: () => void;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  let worker: ReturnType<typeof startRunWorker> | null = null;
  let accounting: ReturnType<typeof startAccountingWorker> | null = null;
  let netbox: ReturnType<typeof startNetboxWorker> | null = null;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "worker shutting down");
    stopWatchdog?.();
    await notifier?.stopping();
    try {
      await worker?.stop();
      await accounting?.stop();
      await netbox?.stop();
      await metrics?.close();
      await ds.destroy();
    } catch (e) {
      log.error({ err: e }, "error during shutdown");
      process.exitCode = 1;
    }
    log.info("worker stopped");
    stopped();
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));

  // Migrations are applied by a server or `fedicentral db migrate`; a worker waits rather than run on an
  // old schema.
  await waitForMigrations(ds, log, () => stopping);
  if (!stopping) {
    try {
      await requireNetboxKey(ds, config, netboxConfig);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      exitWith(e.message);
      await shutdown("configuration");
      return;
    }
    worker = startRunWorker(ds, log, runConfig);
    accounting = startAccountingWorker(ds, log, accountingConfig);
    if (netboxConfig.worker) netbox = startNetboxWorker(ds, log, netboxConfig);
    await notifier?.ready();
    stopWatchdog = notifier?.watchdog(() => databaseAnswers(ds, 5000));
  }
  await done;
}

function exitWith(message: string): void {
  process.stderr.write(`fedicentral: ${message}\n`);
  process.exitCode = 2;
}
