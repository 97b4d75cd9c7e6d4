import { Gauge, type Registry } from "prom-client";
import type { Db } from "../db/db.js";
import { orReset } from "../metrics/registry.js";
import { readFreshness } from "./backup.service.js";

const STATUSES = ["unprotected", "stale", "protected"] as const;

/** Backup freshness of every service in the database, read at each scrape: any server can report it. */
export function registerBackupGauges(db: Db, registry: Registry): void {
  // One read serves both gauges of a scrape.
  let pending: ReturnType<typeof readFreshness> | null = null;
  let readAt = 0;
  const read = () => {
    if (!pending || Date.now() - readAt > 1000) {
      readAt = Date.now();
      pending = readFreshness(db, "true", []);
    }
    return pending;
  };
  new Gauge({
    name: "fedicentral_backup_services",
    help: "Services by backup freshness: unprotected, stale, protected",
    labelNames: ["status"] as const,
    registers: [registry],
    async collect() {
      await orReset(this, async () => {
        const all = await read();
        for (const s of STATUSES) this.set({ status: s }, all.filter((f) => f.status === s).length);
      });
    },
  });
  new Gauge({
    name: "fedicentral_backup_oldest_stale_seconds",
    help: "Age of the oldest last good backup (snapshot or copy) of a stale service (0: none is stale)",
    registers: [registry],
    async collect() {
      await orReset(this, async () => {
        const stale = (await read()).filter((f) => f.status === "stale" && f.oldestBackupAt !== null);
        const oldest = Math.min(...stale.map((f) => f.oldestBackupAt!.getTime()));
        this.set(stale.length === 0 ? 0 : (Date.now() - oldest) / 1000);
      });
    },
  });
}
