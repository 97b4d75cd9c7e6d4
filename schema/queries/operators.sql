-- Generated from the code by `npm run sql:emit`; do not edit.

-- operators.byId
SELECT t.id, t.provider_id AS "providerId", t.slug, t.name, t.contact_email AS "contactEmail",
  t.dns_zone AS "dnsZone", t.quota_storage_gib AS "quotaStorageGib", t.quota_vcpus AS "quotaVcpus",
  t.quota_memory_gib AS "quotaMemoryGib", t.status, t.bespoke_info AS "bespokeInfo",
  to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt", to_char(t.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt" FROM operator t;
