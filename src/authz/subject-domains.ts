import { LRUCache } from "lru-cache";
import type { Db } from "../db/db.js";
import { sql } from "../db/named-sql.js";

const DOMAINS = sql(
  "authz.subject.domains",
  `SELECT DISTINCT v2 AS domain FROM casbin_rule WHERE ptype = 'g' AND v0 = $1`,
);

/**
 * The domains each subject holds a role in, cached per process so a request asks no SQL for its access.
 * Dropped for a subject whenever one of its grants changes (the policy watcher names the subject).
 */
export class SubjectDomains {
  private readonly cache: LRUCache<string, Promise<string[]>>;

  constructor(
    private readonly db: Db,
    max: number,
  ) {
    this.cache = new LRUCache({ max });
  }

  get(subject: string): Promise<string[]> {
    let entry = this.cache.get(subject);
    if (!entry) {
      entry = this.db.query<{ domain: string }>(DOMAINS, [subject]).then((rows) => rows.map((r) => r.domain));
      // Cached before it resolves, so concurrent requests share one query and invalidate() can drop it.
      this.cache.set(subject, entry);
      entry.catch(() => {
        if (this.cache.peek(subject) === entry) this.cache.delete(subject);
      });
    }
    return entry;
  }

  invalidate(subject: string): void {
    this.cache.delete(subject);
  }

  clear(): void {
    this.cache.clear();
  }
}
