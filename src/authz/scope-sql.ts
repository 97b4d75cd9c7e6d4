import type { RowScope } from "../db/batch.js";
import type { SqlFilter } from "../db/list-page.js";
import type { Access } from "./access.js";
import type { Permission } from "./permissions.js";

/**
 * How a table reaches its operator, for scoping reads in SQL. `$ids` stands for the parameter holding the
 * allowed operator ids. Provider-wide scopes add no condition at all.
 */
export const OPERATOR_OF = {
  operator: (t: string) => `${t}.id = ANY($ids::uuid[])`,
  deployment: (t: string) => `${t}.operator_id = ANY($ids::uuid[])`,
  service: (t: string) =>
    `${t}.deployment_id IN (SELECT sd.id FROM deployment sd WHERE sd.operator_id = ANY($ids::uuid[]))`,
  run: (t: string) =>
    `${t}.deployment_id IN (SELECT rd.id FROM deployment rd WHERE rd.operator_id = ANY($ids::uuid[]))`,
  // Service accounts of an operator; provider and frontend clients have none, so only "all" sees them.
  client: (t: string) => `${t}.operator_id = ANY($ids::uuid[])`,
  provider: (t: string) =>
    `${t}.id IN (SELECT po.provider_id FROM operator po WHERE po.id = ANY($ids::uuid[]))`,
} as const;

export type ScopedTable = keyof typeof OPERATOR_OF;

/**
 * The condition keeping only rows in the permission's scope, with its parameter appended to params;
 * null when the scope is provider-wide (nothing to filter).
 */
export function scopeCondition(
  access: Access,
  permission: Permission,
  table: ScopedTable,
  alias: string,
  params: unknown[],
): string | null {
  const scope = access.scope(permission);
  if (scope === "all") return null;
  if (scope.size === 0) return "false";
  params.push(access.operatorIds(permission));
  return OPERATOR_OF[table](alias).replace("$ids", `$${params.length}`);
}

/** Narrows a root list's filter to the rows the caller may read. */
export function restrict(
  f: SqlFilter,
  access: Access,
  permission: Permission,
  table: ScopedTable,
  alias = "t",
): SqlFilter {
  const cond = scopeCondition(access, permission, table, alias, f.params);
  if (cond) f.where.push(cond);
  return f;
}

/** The same condition for a batched loader (src/db/batch.ts). */
export const rowScope =
  (access: Access, permission: Permission, table: ScopedTable, alias = "t"): RowScope =>
  (params) =>
    scopeCondition(access, permission, table, alias, params);
