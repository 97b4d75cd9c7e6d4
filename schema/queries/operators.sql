-- Generated from the code by `npm run sql:emit`; do not edit.

-- operators.byId
SELECT t.id, t.provider_id AS "providerId", t.slug, t.name, t.contact_email AS "contactEmail",
  t.dns_zone AS "dnsZone", t.quota_storage_gib AS "quotaStorageGib", t.quota_vcpus AS "quotaVcpus",
  t.quota_memory_gib AS "quotaMemoryGib", t.status, t.bespoke_info AS "bespokeInfo",
  to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt", to_char(t.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt" FROM operator t WHERE t.id = ANY($1::uuid[]){{scope}};

-- operators.list.count
SELECT count(*)::int AS n FROM operator t {{where}};

-- operators.list.page
SELECT t.id, t.provider_id AS "providerId", t.slug, t.name, t.contact_email AS "contactEmail",
  t.dns_zone AS "dnsZone", t.quota_storage_gib AS "quotaStorageGib", t.quota_vcpus AS "quotaVcpus",
  t.quota_memory_gib AS "quotaMemoryGib", t.status, t.bespoke_info AS "bespokeInfo",
  to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt", to_char(t.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt" FROM operator t {{where}}
     ORDER BY {{orderBy}} LIMIT {{limit}};

-- operators.listByCreated.count
SELECT count(*)::int AS n FROM operator t {{where}};

-- operators.listByCreated.page
SELECT t.id, t.provider_id AS "providerId", t.slug, t.name, t.contact_email AS "contactEmail",
  t.dns_zone AS "dnsZone", t.quota_storage_gib AS "quotaStorageGib", t.quota_vcpus AS "quotaVcpus",
  t.quota_memory_gib AS "quotaMemoryGib", t.status, t.bespoke_info AS "bespokeInfo",
  to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt", to_char(t.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt", t.created_at::text AS "createdAtKey" FROM operator t {{where}}
     ORDER BY {{orderBy}} LIMIT {{limit}};

-- operators.providerOf
SELECT provider_id AS "providerId" FROM operator WHERE id = $1;

-- operators.quota.lock
SELECT id FROM operator WHERE id = $1 FOR UPDATE;

-- operators.quota.use
SELECT o.quota_storage_gib AS "quotaStorage", o.quota_vcpus AS "quotaVcpus", o.quota_memory_gib AS "quotaMemory",
            coalesce(sum(s.block_storage_gib + s.blob_storage_gib), 0)::int AS storage,
            coalesce(sum(s.vcpus), 0)::int AS vcpus, coalesce(sum(s.memory_gib), 0)::int AS memory
       FROM operator o
       LEFT JOIN deployment d ON d.operator_id = o.id
       LEFT JOIN service s ON s.deployment_id = d.id AND s.enabled
      WHERE o.id = $1 GROUP BY o.id;

-- operators.serviceOutsideZone
SELECT s.domain FROM service s JOIN deployment d ON d.id = s.deployment_id
           WHERE d.operator_id = $1 AND s.domain <> $2 AND s.domain NOT LIKE '%.' || $2 LIMIT 1;
