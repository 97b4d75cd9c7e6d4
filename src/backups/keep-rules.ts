import { Column } from "typeorm";

/** The keep-rules names, in the order they are applied (keep-last first, as Proxmox Backup Server does). */
export const KEEP_RULES = ["last", "hourly", "daily", "weekly", "monthly", "yearly"] as const;
export type KeepRule = (typeof KEEP_RULES)[number];

/**
 * How many snapshots each rule keeps, as Proxmox Backup Server and sanoid define them: `last` the newest
 * n, each other rule the newest snapshot of each of the last n hours, days, ISO weeks, months, years that
 * have one. 0 means the rule keeps nothing.
 */
export type KeepRules = Record<KeepRule, number>;

/**
 * The columns of a KeepRules embedded in a table, named `<prefix>_<rule>`: one shape for the operator's
 * policy, the provider's default and the provider's minimums.
 */
export function keepRulesColumns(prefix: string) {
  const column = (rule: KeepRule) => Column({ type: "integer", name: `${prefix}_${rule}`, default: 0 });
  class KeepRuleColumns implements KeepRules {
    @column("last") last: number;
    @column("hourly") hourly: number;
    @column("daily") daily: number;
    @column("weekly") weekly: number;
    @column("monthly") monthly: number;
    @column("yearly") yearly: number;
  }
  return KeepRuleColumns;
}

export const KeepColumns = keepRulesColumns("keep");
export const MinKeepColumns = keepRulesColumns("min_keep");

/** A check that every rule of an embedded KeepRules (its columns named `<prefix>_<rule>`) is within 0..max. */
export const keepRulesCheck = (prefix: string, max = 100_000) =>
  KEEP_RULES.map((r) => `${prefix}_${r} BETWEEN 0 AND ${max}`).join(" AND ");
