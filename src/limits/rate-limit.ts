import type { Pool } from "pg";
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from "rate-limiter-flexible";

/** Where one key stands against one limit, as the RateLimit headers tell it. */
export type Verdict = {
  policy: string;
  limit: number;
  windowSeconds: number;
  remaining: number;
  resetMs: number;
  allowed: boolean;
};

/** The table the migration RateLimits made: every limit of every replica counts there. */
export const RATE_LIMIT_TABLE = "rate_limit";

/**
 * A fixed-window count per key (a principal, a client address, a client_id) in PostgreSQL, so every
 * replica sees the same count. A key past its limit is also remembered in this process until the
 * window ends, so refusing it costs no round trip; if PostgreSQL fails, each process counts alone.
 */
export class RateLimit {
  private readonly limiter: RateLimiterPostgres;

  constructor(
    readonly policy: string,
    readonly limit: number,
    readonly windowSeconds: number,
    pool: Pool,
    opts: { clearExpired: boolean },
  ) {
    this.limiter = new RateLimiterPostgres({
      storeClient: pool,
      storeType: "pool",
      tableName: RATE_LIMIT_TABLE,
      tableCreated: true,
      clearExpiredByTimeout: opts.clearExpired,
      keyPrefix: policy,
      points: limit,
      duration: windowSeconds,
      inMemoryBlockOnConsumed: limit,
      insuranceLimiter: new RateLimiterMemory({ keyPrefix: policy, points: limit, duration: windowSeconds }),
    });
  }

  /** Counts one request of this key; allowed is false past the limit. */
  async take(key: string): Promise<Verdict> {
    try {
      return this.verdict(await this.limiter.consume(key), true);
    } catch (e) {
      if (e instanceof RateLimiterRes) return this.verdict(e, false);
      throw e;
    }
  }

  /** Where the key stands, without counting; allowed is false once the limit is used up. */
  async peek(key: string): Promise<Verdict> {
    const res = await this.limiter.get(key);
    if (!res) return this.verdict(new RateLimiterRes(this.limit, this.windowSeconds * 1000, 0), true);
    return this.verdict(res, res.consumedPoints < this.limit);
  }

  /** Counts one failure of this key (never refused: refusing is peek's part). */
  async count(key: string): Promise<void> {
    await this.limiter.penalty(key, 1);
  }

  private verdict(res: RateLimiterRes, allowed: boolean): Verdict {
    return {
      policy: this.policy,
      limit: this.limit,
      windowSeconds: this.windowSeconds,
      remaining: Math.max(0, this.limit - res.consumedPoints),
      resetMs: Math.max(0, res.msBeforeNext),
      allowed,
    };
  }
}
