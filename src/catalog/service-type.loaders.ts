import type { Db } from "../db/db.js";
import { byIdLoader, byIdSql } from "../db/batch.js";
import { toServiceType } from "./service-type.types.js";

export const SERVICE_TYPE_COLUMNS = `t.id, t.slug, t.name, t.description, t.federated, t.options_schema AS "optionsSchema",
  t.storage_kinds AS "storageKinds", t.default_vcpus AS "defaultVcpus", t.default_memory_gib AS "defaultMemoryGib",
  t.default_block_storage_gib AS "defaultBlockStorageGib", t.default_blob_storage_gib AS "defaultBlobStorageGib"`;

const SERVICE_TYPE_BY_ID = byIdSql(
  "catalog.serviceTypeById",
  `SELECT ${SERVICE_TYPE_COLUMNS} FROM service_type t`,
);

export function createCatalogLoaders(db: Db) {
  return {
    serviceTypeById: byIdLoader(db, SERVICE_TYPE_BY_ID, toServiceType),
  };
}
