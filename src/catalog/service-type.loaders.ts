import type { Access } from "../authz/access.js";
import { Permission } from "../authz/permissions.js";
import { rowScope } from "../authz/scope-sql.js";
import type { Db } from "../db/db.js";
import { byIdLoader, byIdSql } from "../db/batch.js";
import { isoTime } from "../db/sql.js";
import { toServiceType } from "./service-type.types.js";

export const SERVICE_TYPE_COLUMNS = `t.id, t.provider_id AS "providerId", t.slug, t.name, t.description, t.federated,
  t.options_schema AS "optionsSchema", t.storage_kinds AS "storageKinds", t.default_vcpus AS "defaultVcpus",
  t.default_memory_gib AS "defaultMemoryGib", t.default_block_storage_gib AS "defaultBlockStorageGib",
  t.default_blob_storage_gib AS "defaultBlobStorageGib", t.reference, ${isoTime("t.retired_at")} AS "retiredAt"`;

const SERVICE_TYPE_BY_ID = byIdSql(
  "catalog.serviceTypeById",
  `SELECT ${SERVICE_TYPE_COLUMNS} FROM service_type t`,
);

/** Service types of the catalogs in the caller's reach: its providers', and those of its operators' providers. */
export function createCatalogLoaders(db: Db, access: Access) {
  return {
    serviceTypeById: byIdLoader(
      db,
      SERVICE_TYPE_BY_ID,
      toServiceType,
      rowScope(access, Permission.CatalogRead, "service_type"),
    ),
  };
}
