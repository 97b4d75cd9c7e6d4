-- Generated from the code by `npm run sql:emit`; do not edit.

-- catalog.deploymentsUsing
SELECT d.id, d.name, o.slug AS operator, count(*) OVER ()::int AS total
     FROM service s JOIN deployment d ON d.id = s.deployment_id JOIN operator o ON o.id = d.operator_id
    WHERE s.service_type_id = $1 ORDER BY o.slug, d.name LIMIT 20;

-- catalog.installReference
INSERT INTO service_type (provider_id, slug, name, description, federated, storage_kinds, default_vcpus,
                            default_memory_gib, default_block_storage_gib, default_blob_storage_gib,
                            options_schema, reference)
   SELECT p.id, e.key, r.name, r.description, r.federated, r."storageKinds", r."defaultVcpus",
          r."defaultMemoryGib", r."defaultBlockStorageGib", r."defaultBlobStorageGib", r."optionsSchema", e.value
     FROM provider p CROSS JOIN jsonb_each($1::jsonb) e
          CROSS JOIN LATERAL jsonb_to_record(e.value) AS r(name text, description text, federated boolean,
            "storageKinds" text[], "defaultVcpus" int, "defaultMemoryGib" int, "defaultBlockStorageGib" int,
            "defaultBlobStorageGib" int, "optionsSchema" jsonb)
    WHERE $2::uuid IS NULL OR p.id = $2
   ON CONFLICT (provider_id, slug) DO NOTHING
   RETURNING id;

-- catalog.outdatedReference
SELECT t.id, t.name, t.description, t.federated, t.storage_kinds AS "storageKinds",
          t.default_vcpus AS "defaultVcpus", t.default_memory_gib AS "defaultMemoryGib",
          t.default_block_storage_gib AS "defaultBlockStorageGib",
          t.default_blob_storage_gib AS "defaultBlobStorageGib", t.options_schema AS "optionsSchema",
          t.reference, $1::jsonb -> t.slug AS next
     FROM service_type t
    WHERE t.reference IS NOT NULL AND $1::jsonb ? t.slug AND t.reference <> $1::jsonb -> t.slug
    ORDER BY t.id
      FOR UPDATE;

-- catalog.providerExists
SELECT 1 FROM provider WHERE id = $1;

-- catalog.providerOfType
SELECT provider_id AS "providerId" FROM service_type WHERE id = $1;

-- catalog.serviceOptions
SELECT s.domain, s.options FROM service s WHERE s.service_type_id = $1 ORDER BY s.domain;

-- catalog.serviceTypeById
SELECT t.id, t.provider_id AS "providerId", t.slug, t.name, t.description, t.federated,
  t.options_schema AS "optionsSchema", t.storage_kinds AS "storageKinds", t.default_vcpus AS "defaultVcpus",
  t.default_memory_gib AS "defaultMemoryGib", t.default_block_storage_gib AS "defaultBlockStorageGib",
  t.default_blob_storage_gib AS "defaultBlobStorageGib", t.reference, to_char(t.retired_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "retiredAt" FROM service_type t WHERE t.id = ANY($1::uuid[]){{scope}};

-- catalog.serviceTypes.count
SELECT count(*)::int AS n FROM service_type t {{where}};

-- catalog.serviceTypes.page
SELECT t.id, t.provider_id AS "providerId", t.slug, t.name, t.description, t.federated,
  t.options_schema AS "optionsSchema", t.storage_kinds AS "storageKinds", t.default_vcpus AS "defaultVcpus",
  t.default_memory_gib AS "defaultMemoryGib", t.default_block_storage_gib AS "defaultBlockStorageGib",
  t.default_blob_storage_gib AS "defaultBlobStorageGib", t.reference, to_char(t.retired_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "retiredAt" FROM service_type t {{where}}
     ORDER BY {{orderBy}} LIMIT {{limit}};

-- catalog.visible
SELECT 1 FROM service_type t WHERE t.id = $1{{scope}};
