import { Registry } from "prom-client";
import type { DataSource } from "typeorm";
import { registerSealerGauges } from "../accounting/accounting-metrics.js";
import { registerBackupGauges } from "../backups/backup-metrics.js";
import { dbOf } from "../db/db.js";
import { registerPoolGauges } from "../db/pool-metrics.js";
import { registerRunQueueGauges } from "../runs/run-metrics.js";
import { collectProcessDefaults, processMetrics } from "./registry.js";

/**
 * What a scrape of this process shows: its own counters and process figures, its pool, and the
 * database-wide figures (run queue, sealer lag) read at scrape time.
 */
export function scrapeRegistry(ds: DataSource): () => Registry {
  collectProcessDefaults();
  const database = new Registry();
  registerPoolGauges(ds, database);
  registerRunQueueGauges(dbOf(ds), database);
  registerSealerGauges(dbOf(ds), database);
  registerBackupGauges(dbOf(ds), database);
  return () => Registry.merge([processMetrics, database]);
}
