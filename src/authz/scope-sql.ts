import type { RowScope } from "../db/batch.js";
import type { SqlFilter } from "../db/list-page.js";
import type { Access } from "./access.js";
import type { Permission } from "./permissions.js";

/**
 * How a table's rows reach their operator and their provider, for scoping reads in SQL: `$o` stands for
 * the parameter holding the operator ids a permission is held for, `$p` for the provider ids. A part left
 * out matches nothing. Installation-wide reach adds no condition at all.
 */
type Owner = { operators?: (t: string) => string; providers: (t: string) => string };

/** Rows naming their operator in a column. */
const byOperatorColumn = (column: string): Owner => ({
  operators: (t) => `${t}.${column} = ANY($o::uuid[])`,
  providers: (t) =>
    `EXISTS (SELECT 1 FROM operator so WHERE so.id = ${t}.${column} AND so.provider_id = ANY($p::uuid[]))`,
});

/** Rows of a deployment. */
const byDeployment: Owner = {
  operators: (t) =>
    `${t}.deployment_id IN (SELECT sd.id FROM deployment sd WHERE sd.operator_id = ANY($o::uuid[]))`,
  providers: (t) =>
    `EXISTS (SELECT 1 FROM deployment sd JOIN operator so ON so.id = sd.operator_id
              WHERE sd.id = ${t}.deployment_id AND so.provider_id = ANY($p::uuid[]))`,
};

/** A Casbin domain (text) in reach: the operators', the providers', and those of the providers' operators. */
const byDomain = (column: (t: string) => string): Owner => ({
  operators: (t) => `${column(t)} IN (SELECT 'operator:' || x FROM unnest($o::text[]) x)`,
  providers: (t) =>
    `(${column(t)} IN (SELECT 'provider:' || x FROM unnest($p::text[]) x)
      OR ${column(t)} IN (SELECT 'operator:' || so.id FROM operator so WHERE so.provider_id = ANY($p::uuid[])))`,
});

const grantDomain = byDomain(() => "ug.v2");

export const OWNER_OF = {
  operator: {
    operators: (t) => `${t}.id = ANY($o::uuid[])`,
    providers: (t) => `${t}.provider_id = ANY($p::uuid[])`,
  },
  deployment: byOperatorColumn("operator_id"),
  service: byDeployment,
  run: byDeployment,
  // Service accounts of an operator or of a provider; frontend clients belong to neither, so only "all" sees them.
  client: {
    operators: (t) => `${t}.operator_id = ANY($o::uuid[])`,
    providers: (t) =>
      `(${t}.provider_id = ANY($p::uuid[]) OR ${byOperatorColumn("operator_id").providers(t)})`,
  },
  // A provider is seen by its own staff and by those of its operators.
  provider: {
    operators: (t) => `${t}.id IN (SELECT po.provider_id FROM operator po WHERE po.id = ANY($o::uuid[]))`,
    providers: (t) => `${t}.id = ANY($p::uuid[])`,
  },
  // A provider's service catalog: its staff and its operators' people (who add services from it).
  service_type: {
    operators: (t) =>
      `${t}.provider_id IN (SELECT po.provider_id FROM operator po WHERE po.id = ANY($o::uuid[]))`,
    providers: (t) => `${t}.provider_id = ANY($p::uuid[])`,
  },
  accounting_event: byOperatorColumn("operator_id"),
  backup_volume: byOperatorColumn("operator_id"),
  // A provider's backup targets: its staff only (operators see them in their deploymentConfig).
  backup_target: { providers: (t) => `${t}.provider_id = ANY($p::uuid[])` },
  // A provider's sync runs: its staff only.
  netbox_sync_run: { providers: (t) => `${t}.provider_id = ANY($p::uuid[])` },
  // Role grants (casbin_rule `g` lines) by their domain; installation grants only installation-wide.
  role_assignment: byDomain((t) => `${t}.v2`),
  // People: those holding a role somewhere in reach.
  app_user: {
    operators: (t) =>
      `EXISTS (SELECT 1 FROM casbin_rule ug WHERE ug.ptype = 'g' AND ug.v0 = 'user:' || ${t}.id
                AND ${grantDomain.operators!("")})`,
    providers: (t) =>
      `EXISTS (SELECT 1 FROM casbin_rule ug WHERE ug.ptype = 'g' AND ug.v0 = 'user:' || ${t}.id
                AND ${grantDomain.providers("")})`,
  },
  // Restores of backups, by the service's operator they carry.
  backup_restore: byOperatorColumn("operator_id"),
} satisfies Record<string, Owner>;

export type ScopedTable = keyof typeof OWNER_OF;

/**
 * The condition keeping only rows in the permission's reach, with its parameters appended to params;
 * null when the reach is installation-wide (nothing to filter).
 */
export function scopeCondition(
  access: Access,
  permission: Permission,
  table: ScopedTable,
  alias: string,
  params: unknown[],
): string | null {
  if (access.reach(permission) === "all") return null;
  const owner: Owner = OWNER_OF[table];
  const ids = access.ids(permission);
  const parts: string[] = [];
  if (ids.operators.length > 0 && owner.operators) {
    params.push(ids.operators);
    parts.push(owner.operators(alias).replaceAll("$o", `$${params.length}`));
  }
  if (ids.providers.length > 0) {
    params.push(ids.providers);
    parts.push(owner.providers(alias).replaceAll("$p", `$${params.length}`));
  }
  if (parts.length === 0) return "false";
  return parts.length === 1 ? parts[0]! : `(${parts.join(" OR ")})`;
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
