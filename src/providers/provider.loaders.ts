import type { Access } from "../authz/access.js";
import { Permission } from "../authz/permissions.js";
import { rowScope } from "../authz/scope-sql.js";
import type { Db } from "../db/db.js";
import { isoTime } from "../db/sql.js";
import { byIdLoader, byIdSql, byParentLoader, byParentSql } from "../db/batch.js";
import { toCoreService, toProvider, toResourceProvider } from "./provider.types.js";

export const PROVIDER_COLUMNS = `t.id, t.slug, t.name, t.contact_email AS "contactEmail", t.bespoke_info AS "bespokeInfo",
  t.provider_info_schema AS "providerInfoSchema", t.operator_info_schema AS "operatorInfoSchema",
  ${isoTime("t.created_at")} AS "createdAt", ${isoTime("t.updated_at")} AS "updatedAt"`;

const PROVIDER_BY_ID = byIdSql("providers.byId", `SELECT ${PROVIDER_COLUMNS} FROM provider t`);
const RESOURCE_PROVIDERS_BY_PROVIDER = byParentSql(
  "providers.resourceProvidersByProvider",
  `SELECT t.id, t.component_type AS "componentType", t.implementation, t.settings, t.provider_id AS "__parent" FROM resource_provider t`,
  "provider_id",
  "t.component_type, t.implementation",
);
const CORE_SERVICES_BY_PROVIDER = byParentSql(
  "providers.coreServicesByProvider",
  `SELECT t.id, t.kind, t.name, t.endpoint, t.settings, t.provider_id AS "__parent" FROM core_service t`,
  "provider_id",
  "t.kind, t.name",
);

/** Providers in the caller's reach: those it holds a role for, and those of its operators. */
export function createProviderLoaders(db: Db, access: Access) {
  return {
    providerById: byIdLoader(
      db,
      PROVIDER_BY_ID,
      toProvider,
      rowScope(access, Permission.ProviderRead, "provider"),
    ),
    resourceProvidersByProvider: byParentLoader(db, RESOURCE_PROVIDERS_BY_PROVIDER, toResourceProvider),
    coreServicesByProvider: byParentLoader(db, CORE_SERVICES_BY_PROVIDER, toCoreService),
  };
}
