-- Generated from the code by `npm run sql:emit`; do not edit.

-- catalog.serviceTypeById
SELECT t.id, t.slug, t.name, t.description, t.federated, t.options_schema AS "optionsSchema",
  t.storage_kinds AS "storageKinds", t.default_vcpus AS "defaultVcpus", t.default_memory_gib AS "defaultMemoryGib",
  t.default_block_storage_gib AS "defaultBlockStorageGib", t.default_blob_storage_gib AS "defaultBlobStorageGib" FROM service_type t WHERE t.id = ANY($1::uuid[]){{scope}};

-- catalog.serviceTypes.count
SELECT count(*)::int AS n FROM service_type t {{where}};

-- catalog.serviceTypes.page
SELECT t.id, t.slug, t.name, t.description, t.federated, t.options_schema AS "optionsSchema",
  t.storage_kinds AS "storageKinds", t.default_vcpus AS "defaultVcpus", t.default_memory_gib AS "defaultMemoryGib",
  t.default_block_storage_gib AS "defaultBlockStorageGib", t.default_blob_storage_gib AS "defaultBlobStorageGib" FROM service_type t {{where}}
     ORDER BY {{orderBy}} LIMIT {{limit}};
