import type { DataSource } from "typeorm";
import type { AuthnConfig } from "../authn-config.js";
import { sql } from "../../db/named-sql.js";

export type ThrottleLimits = Pick<AuthnConfig, "loginBackoffAfter" | "loginLockAfter" | "loginLockSeconds">;

/** Per client IP the limits are ten times the per-account ones: many people may share one address. */
export const IP_FACTOR = 10;

export type AttemptTicket = { allowed: boolean; keys: string[] };

const BEGIN = sql(
  "authn.loginThrottle.begin",
  `WITH prev AS (
         SELECT blocked_until FROM login_throttle WHERE key = ANY($1::text[]) ORDER BY key FOR UPDATE
       ), counted AS (
         INSERT INTO login_throttle AS t (key, failures, blocked_until, updated_at)
         SELECT k, 1, NULL, now() FROM unnest($1::text[]) AS k
         ON CONFLICT (key) DO UPDATE SET
           failures = t.failures + 1,
           updated_at = now(),
           blocked_until = CASE
             WHEN t.failures + 1 >= $3::int * (CASE WHEN t.key LIKE 'ip:%' THEN $5::int ELSE 1 END)
               THEN now() + make_interval(secs => $4::int)
             WHEN t.failures + 1 > $2::int * (CASE WHEN t.key LIKE 'ip:%' THEN $5::int ELSE 1 END)
               THEN now() + make_interval(secs => LEAST($4::int, 2 ^ LEAST(
                 t.failures - $2::int * (CASE WHEN t.key LIKE 'ip:%' THEN $5::int ELSE 1 END), 20)))
             ELSE t.blocked_until END
         RETURNING 1
       )
       SELECT COALESCE(bool_or(blocked_until > now()), false) AS blocked, (SELECT count(*) FROM counted) AS n
         FROM prev`,
);
const SUCCEEDED = sql(
  "authn.loginThrottle.succeeded",
  `WITH account AS (DELETE FROM login_throttle WHERE key = ANY($1::text[]) AND key NOT LIKE 'ip:%')
       UPDATE login_throttle SET failures = GREATEST(failures - 1, 0)
        WHERE key = ANY($1::text[]) AND key LIKE 'ip:%'`,
);
const STATE = sql(
  "authn.loginThrottle.state",
  `SELECT failures, blocked_until AS "blockedUntil" FROM login_throttle WHERE key = $1`,
);
const PURGE = sql(
  "authn.loginThrottle.purge",
  `DELETE FROM login_throttle WHERE updated_at < now() - interval '1 day'
         AND (blocked_until IS NULL OR blocked_until < now())`,
);

/**
 * Brute-force protection in PostgreSQL. Every attempt is counted before the password is checked, in one
 * atomic statement over its keys (account and client IP), so parallel attempts are all counted and those
 * that arrive after a key passed its threshold are refused without costing a password hash. Past
 * `backoffAfter` failures each one blocks the key for exponentially longer (1 s, 2 s, 4 s, ...), from
 * `lockAfter` on it is locked for `lockSeconds`. Keys exist for unknown emails too, so a lock tells
 * nothing about whether an account exists. A successful sign-in resets its account's counter.
 */
export class LoginThrottle {
  constructor(
    private readonly ds: DataSource,
    private readonly limits: ThrottleLimits,
  ) {}

  static accountKey(email: string): string {
    return `account:${email.trim().toLowerCase()}`;
  }

  static ipKey(ip: string | null): string | null {
    return ip ? `ip:${ip}` : null;
  }

  /** Counts the attempt; allowed is false when one of its keys was already blocked when it came. */
  async begin(email: string, ip: string | null): Promise<AttemptTicket> {
    const { loginBackoffAfter, loginLockAfter, loginLockSeconds } = this.limits;
    const keys = [LoginThrottle.accountKey(email), LoginThrottle.ipKey(ip)].filter((k): k is string => !!k);
    // prev locks the existing rows first, so it sees the state this attempt found (READ COMMITTED
    // re-reads a row another attempt just updated); the upsert then counts the attempt.
    const [row] = await this.ds.query(BEGIN, [
      keys,
      loginBackoffAfter,
      loginLockAfter,
      loginLockSeconds,
      IP_FACTOR,
    ]);
    return { allowed: !row?.blocked, keys };
  }

  /**
   * A successful sign-in: its account's counter starts again from zero. The address's counter only
   * takes back this attempt, so one valid account cannot clear what its address failed elsewhere.
   */
  async succeeded(ticket: AttemptTicket): Promise<void> {
    await this.ds.query(SUCCEEDED, [ticket.keys]);
  }

  /** Current counters, for admins and tests. */
  async state(key: string): Promise<{ failures: number; blockedUntil: Date | null } | null> {
    const [row] = await this.ds.query(STATE, [key]);
    return row ?? null;
  }

  /** Forgets counters untouched for a day. */
  async purge(): Promise<number> {
    const res = await this.ds.query(PURGE);
    return Array.isArray(res) ? Number(res[1] ?? 0) : 0;
  }
}
