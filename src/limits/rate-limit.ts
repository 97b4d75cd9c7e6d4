import { LRUCache } from "lru-cache";
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

/** How long requests counted in the process may wait before they are added to the shared count. */
export const FLUSH_MS = 1000;
/** Keys whose counts the process keeps; a key pushed out has its pending requests sent first. */
const TALLIES_MAX = 10_000;

/** A key's count in its window as last heard from PostgreSQL, and what this process let through since. */
type Tally = { shared: number; pending: number; resetAt: number };

/**
 * A fixed-window count per key (a principal, a client address, a client_id) in PostgreSQL, so every
 * replica sees the same count. With inProcess, while a key's count as last heard is below half its limit,
 * the process counts its requests itself and adds them to the shared count within FLUSH_MS (a busy client
 * costs no round trip per request); from half the limit on, every request is counted in PostgreSQL before
 * it is let through. A key past its limit is also remembered in this process until the window ends, so
 * refusing it costs no round trip; if PostgreSQL fails, each process counts alone.
 */
export class RateLimit {
  private readonly limiter: RateLimiterPostgres;
  private readonly tallies = new LRUCache<string, Tally>({
    max: TALLIES_MAX,
    dispose: (t, key, reason) => {
      if (reason !== "set" && t.pending > 0) void this.send(key, t, t.pending);
    },
  });
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly policy: string,
    readonly limit: number,
    readonly windowSeconds: number,
    pool: Pool,
    private readonly opts: {
      clearExpired: boolean;
      /** Count far from the limit in the process (for busy, hot paths; the others count every request at once). */
      inProcess?: boolean;
    },
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
    const now = Date.now();
    let t = this.tallies.get(key);
    if (t && now >= t.resetAt) t = undefined; // its window is over, and what was pending with it
    if (t && this.opts.inProcess && 2 * (t.shared + t.pending + 1) <= this.limit) {
      t.pending += 1;
      this.flushSoon();
      return this.local(t, now);
    }
    // Close to the limit, or not heard of: counted now, with what this process let through meanwhile.
    const points = 1 + (t?.pending ?? 0);
    if (t) t.pending = 0;
    try {
      return this.verdict(this.heard(key, await this.limiter.consume(key, points), true), true);
    } catch (e) {
      if (e instanceof RateLimiterRes) return this.verdict(this.heard(key, e, false), false);
      throw e;
    }
  }

  /** Adds every key's pending requests to the shared count (the timer does it within FLUSH_MS). */
  async flush(): Promise<void> {
    const sends: Promise<void>[] = [];
    for (const [key, t] of this.tallies.entries()) {
      if (t.pending > 0) sends.push(this.send(key, t, t.pending));
    }
    await Promise.all(sends);
  }

  private flushSoon(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      void this.flush();
    }, FLUSH_MS);
    this.flushTimer.unref();
  }

  private async send(key: string, t: Tally, points: number): Promise<void> {
    t.pending -= points;
    if (Date.now() >= t.resetAt) return; // counted in a window that is over
    try {
      this.heard(key, await this.limiter.penalty(key, points), true);
    } catch {
      // PostgreSQL is gone (or the pool closed): the requests were let through, nothing to refuse.
    }
  }

  /** Remembers the shared count PostgreSQL answered; a refused key is taken as at its limit. */
  private heard(key: string, res: RateLimiterRes, allowed: boolean): RateLimiterRes {
    const shared = allowed ? res.consumedPoints : Math.max(res.consumedPoints, this.limit);
    const resetAt = Date.now() + res.msBeforeNext;
    const t = this.tallies.get(key);
    if (t && Math.abs(t.resetAt - resetAt) < 1000) t.shared = Math.max(t.shared, shared);
    else this.tallies.set(key, { shared, pending: 0, resetAt });
    return res;
  }

  private local(t: Tally, now: number): Verdict {
    return {
      policy: this.policy,
      limit: this.limit,
      windowSeconds: this.windowSeconds,
      remaining: Math.max(0, this.limit - t.shared - t.pending),
      resetMs: Math.max(0, t.resetAt - now),
      allowed: true,
    };
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
