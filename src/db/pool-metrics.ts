import type { Pool } from "pg";
import { Gauge, type Registry } from "prom-client";
import type { DataSource } from "typeorm";

/** The process's PostgreSQL connections: open, idle, and requests waiting for one. */
export function registerPoolGauges(ds: DataSource, registry: Registry): void {
  new Gauge({
    name: "fedicentral_db_pool_connections",
    help: "This process's PostgreSQL pool: total and idle connections, and queries waiting for one",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      const pool = (ds.driver as unknown as { master: Pool }).master;
      this.set({ state: "total" }, pool.totalCount);
      this.set({ state: "idle" }, pool.idleCount);
      this.set({ state: "waiting" }, pool.waitingCount);
    },
  });
}
