import { type Gauge, Registry, collectDefaultMetrics } from "prom-client";

/** The process's own figures: counters and histograms that modules update as things happen. */
export const processMetrics = new Registry();

let defaultsOn = false;

/** CPU, memory, event-loop lag and GC of this process; started only where metrics are served. */
export function collectProcessDefaults(): void {
  if (defaultsOn) return;
  defaultsOn = true;
  collectDefaultMetrics({ register: processMetrics });
}

/**
 * Sets a gauge from the database at scrape time; if the database does not answer, the gauge has no
 * sample this time rather than failing the whole scrape (/readyz tells that the database is down).
 */
export async function orReset(gauge: Gauge, read: () => Promise<void>): Promise<void> {
  try {
    await read();
  } catch {
    gauge.reset();
  }
}
