import { Gauge, type Registry } from "prom-client";
import type { Db } from "../db/db.js";
import { orReset } from "../metrics/registry.js";
import { unsealedEvents } from "./sealer.js";

/** How far the sealer lags, read at each scrape: events not yet in their hash chain. */
export function registerSealerGauges(db: Db, registry: Registry): void {
  new Gauge({
    name: "fedicentral_accounting_unsealed_events",
    help: "Accounting events committed but not yet sealed into their hash chain",
    registers: [registry],
    async collect() {
      await orReset(this, async () => {
        this.set((await unsealedEvents(db, null)).reduce((n, r) => n + r.count, 0));
      });
    },
  });
  new Gauge({
    name: "fedicentral_accounting_unsealed_oldest_seconds",
    help: "Age of the oldest unsealed accounting event (0: none)",
    registers: [registry],
    async collect() {
      await orReset(this, async () => {
        const oldest = (await unsealedEvents(db, null)).map((r) => Date.parse(r.oldest));
        this.set(oldest.length ? Math.max(0, (Date.now() - Math.min(...oldest)) / 1000) : 0);
      });
    },
  });
}
