import type { FilteredAdapter, Model } from "casbin";
import type { Db } from "../db/db.js";
import { sql } from "../db/named-sql.js";

/** Which lines one enforcer loads: every role permission (`p`), and the grants (`g`) of one domain. */
export type DomainFilter = { domain: string };

const LOAD_FOR_DOMAIN = sql(
  "authz.policy.loadForDomain",
  `SELECT ptype, ARRAY[v0, v1, v2] AS v FROM casbin_rule WHERE ptype = 'p' OR (ptype = 'g' AND v2 = $1)
        ORDER BY id`,
);

/**
 * Casbin's storage in casbin_rule, read-only and filtered by domain. Our own rather than typeorm-adapter
 * 1.10: that one requires the mongodb driver at import and registers a second entity for the same table.
 * Grants are written by PolicyService (with their accounting events, in one transaction), never by
 * Casbin: every write method here refuses, savePolicy() above all (it would empty the table).
 */
export class PolicyAdapter implements FilteredAdapter {
  constructor(private readonly db: Db) {}

  isFiltered(): boolean {
    return true;
  }

  async loadFilteredPolicy(model: Model, filter: DomainFilter): Promise<void> {
    const rows = await this.db.query<{ ptype: string; v: string[] }>(LOAD_FOR_DOMAIN, [filter.domain]);
    for (const r of rows) model.addPolicy(r.ptype, r.ptype, r.v);
  }

  async loadPolicy(): Promise<void> {
    throw new Error("policies load per domain (loadFilteredPolicy), never all at once");
  }

  async savePolicy(): Promise<boolean> {
    throw new Error("savePolicy() would replace every policy line; grants go through PolicyService");
  }

  async addPolicy(): Promise<void> {
    throw new Error("grants go through PolicyService");
  }

  async removePolicy(): Promise<void> {
    throw new Error("grants go through PolicyService");
  }

  async removeFilteredPolicy(): Promise<void> {
    throw new Error("grants go through PolicyService");
  }
}
