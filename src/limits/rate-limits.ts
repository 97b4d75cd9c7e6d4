import type { Pool } from "pg";
import type { DataSource } from "typeorm";
import type { LimitsConfig } from "./limits-config.js";
import { RateLimit } from "./rate-limit.js";

/** Every rate limit of a server process; null where its variable is 0 (off). */
export type RateLimits = {
  graphql: RateLimit | null;
  tokenIp: RateLimit | null;
  tokenClientFailures: RateLimit | null;
  webhookIp: RateLimit | null;
};

/** The limits, counted in the service's own database through its pool. */
export function createRateLimits(ds: DataSource, c: LimitsConfig): RateLimits {
  const pool = (ds.driver as unknown as { master: Pool }).master;
  let sweeper = true;
  const limit = (policy: string, n: number, inProcess = false) => {
    if (n === 0) return null;
    // Expired counters are deleted table-wide: one limit of the process sweeps for all.
    const l = new RateLimit(policy, n, c.windowSeconds, pool, { clearExpired: sweeper, inProcess });
    sweeper = false;
    return l;
  };
  return {
    // Every API request: far from the limit it is counted in the process, sent within a second.
    graphql: limit("graphql", c.graphql, true),
    tokenIp: limit("token-ip", c.tokenIp),
    tokenClientFailures: limit("token-client", c.tokenClientFailures),
    webhookIp: limit("webhook-ip", c.webhookIp),
  };
}
