import { LRUCache } from "lru-cache";
import type { DataSource } from "typeorm";
import { sharedNotifications } from "../../db/notifications.js";
import type { Logger } from "../../logger.js";
import { sql } from "../../db/named-sql.js";

/** The channel a trigger on token_cutoff notifies, with the key as payload, when the change commits. */
export const TOKEN_CUTOFF_CHANNEL = "token_cutoff";

/** How long a cutoff row is kept: longer than any access token lives (AUTH_ACCESS_TOKEN_TTL is at most 1 h). */
const KEEP_SECONDS = 2 * 3600;

type Q = { query: (sql: string, params?: unknown[]) => Promise<unknown> };

/** The keys that can end a token: its principal, its client and, for people, the grant it came from. */
export type TokenKeys = { subject: string; clientId?: string; grantId?: string };

export const keysOf = (t: TokenKeys): string[] => [
  `sub:${t.subject}`,
  ...(t.clientId ? [`client:${t.clientId}`] : []),
  ...(t.grantId ? [`grant:${t.grantId}`] : []),
];

export const subjectKey = (kind: "user" | "client", id: string) => `sub:${kind}:${id}`;
export const clientKey = (clientId: string) => `client:${clientId}`;
export const grantKey = (grantId: string) => `grant:${grantId}`;

const TOKEN_CUTOFF_INSERT = sql(
  "authn.tokenCutoff.insert",
  `INSERT INTO token_cutoff (key, cut_at, expires_at)
     SELECT k, clock_timestamp(), clock_timestamp() + make_interval(secs => $2::int) FROM unnest($1::text[]) AS k
     ON CONFLICT (key) DO UPDATE SET cut_at = excluded.cut_at, expires_at = excluded.expires_at`,
);

/**
 * Ends every access token issued until now under these keys, in the caller's transaction: if the change
 * that calls for it (a disable, a delete, a reset, a revoked session) rolls back, so does the cutoff.
 */
export async function cutOffTokens(db: Q, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await db.query(TOKEN_CUTOFF_INSERT, [keys, KEEP_SECONDS]);
}

const PURGE = sql("authn.tokenCutoff.purge", `DELETE FROM token_cutoff WHERE expires_at < now()`);

export async function purgeTokenCutoffs(db: Q): Promise<void> {
  await db.query(PURGE);
}

const GET = sql(
  "authn.tokenCutoff.get",
  `SELECT key, (extract(epoch FROM cut_at) * 1000)::float8 AS at FROM token_cutoff WHERE key = ANY($1::text[])`,
);

/**
 * This process's view of the cutoffs: each key read once from PostgreSQL, then kept until a notification
 * says it changed (or the listening connection was lost, when everything is read again).
 */
export class TokenCutoffs {
  /** Cutoff in epoch milliseconds; 0 for a key with none. */
  private readonly cache = new LRUCache<string, number>({ max: 100_000 });
  /** Bumped by every invalidation, so a read that raced with one does not cache what it saw. */
  private epoch = 0;
  private off: (() => void)[] = [];
  private readonly notifications;

  constructor(
    private readonly ds: DataSource,
    log: Logger,
  ) {
    this.notifications = sharedNotifications(ds, log);
    this.off.push(
      this.notifications.on(TOKEN_CUTOFF_CHANNEL, (key) => {
        this.epoch++;
        this.cache.delete(key);
      }),
      this.notifications.onReconnect(() => this.clear()),
    );
  }

  /** Resolves once changes are heard; nothing cached before then. */
  async ready(): Promise<void> {
    await this.notifications.ready(TOKEN_CUTOFF_CHANNEL);
    this.clear();
  }

  async stop(): Promise<void> {
    for (const off of this.off.splice(0)) off();
    await this.notifications.release();
  }

  /** Whether a token issued at issuedAtMs under these keys was cut off since. */
  async isCutOff(keys: string[], issuedAtMs: number): Promise<boolean> {
    let missing: string[] | null = null;
    for (const k of keys) {
      const at = this.cache.get(k);
      if (at === undefined) (missing ??= []).push(k);
      else if (issuedAtMs <= at) return true;
    }
    if (!missing) return false;
    const epoch = this.epoch;
    const rows = (await this.ds.query(GET, [missing])) as { key: string; at: number }[];
    const found = new Map(rows.map((r) => [r.key, r.at]));
    if (epoch === this.epoch) for (const k of missing) this.cache.set(k, found.get(k) ?? 0);
    return missing.some((k) => issuedAtMs <= (found.get(k) ?? 0));
  }

  private clear(): void {
    this.epoch++;
    this.cache.clear();
  }
}
