-- Generated from the code by `npm run sql:emit`; do not edit.

-- catalog.serviceTypeById
SELECT t.id, t.slug, t.name, t.description, t.federated, t.options_schema AS "optionsSchema",
  t.storage_kinds AS "storageKinds", t.default_vcpus AS "defaultVcpus", t.default_memory_gib AS "defaultMemoryGib",
  t.default_block_storage_gib AS "defaultBlockStorageGib", t.default_blob_storage_gib AS "defaultBlobStorageGib" FROM service_type t;
