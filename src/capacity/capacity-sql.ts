import { sql } from "../db/named-sql.js";

/** The NetBox device custom fields a host's capacity is read from (numbers; anything else counts as none). */
export const CAPACITY_FIELDS = {
  vcpus: "capacity_vcpus",
  memoryGib: "capacity_memory_gib",
  blockGib: "capacity_block_gib",
  blobGib: "capacity_blob_gib",
} as const;

// A custom field holding a JSON number, else null (NetBox lets people type text into some fields).
const num = (field: string) =>
  `CASE WHEN jsonb_typeof(h.custom_fields -> '${field}') = 'number'
        THEN (h.custom_fields ->> '${field}')::numeric END`;

const F = CAPACITY_FIELDS;

/**
 * One statement for the whole read: the pool (the clusters the provider's virtualisation resource providers
 * name in `settings.cluster`, else every live cluster of its mirror), what each cluster's active hosts say
 * they have, and what the provider's operators booked. $1: the provider's uuid.
 */
export const CAPACITY = sql(
  "capacity.byProvider",
  `WITH named AS (
     SELECT DISTINCT rp.settings ->> 'cluster' AS name FROM resource_provider rp
      WHERE rp.provider_id = $1 AND rp.component_type = 'virtualisation' AND rp.settings ->> 'cluster' IS NOT NULL
   ), pool AS (
     SELECT c.netbox_id, c.name, c.status, c.site_id FROM netbox_object c
      WHERE c.provider_id = $1 AND c.kind = 'clusters' AND c.deleted_at IS NULL
        AND (NOT EXISTS (SELECT 1 FROM named) OR c.name IN (SELECT name FROM named))
   ), clusters AS (
     SELECT p.netbox_id, p.name, p.status, p.site_id, count(h.netbox_id)::int AS hosts,
            coalesce(sum(${num(F.vcpus)}), 0) AS vcpus, coalesce(sum(${num(F.memoryGib)}), 0) AS memory,
            coalesce(sum(${num(F.blockGib)}), 0) AS block, coalesce(sum(${num(F.blobGib)}), 0) AS blob
       FROM pool p
       LEFT JOIN netbox_object h ON h.provider_id = $1 AND h.kind = 'devices' AND h.cluster_id = p.netbox_id
            AND h.deleted_at IS NULL AND h.status = 'active'
      GROUP BY p.netbox_id, p.name, p.status, p.site_id
   ), storage AS (
     SELECT coalesce(sum(s.block_storage_gib), 0)::float8 AS block, coalesce(sum(s.blob_storage_gib), 0)::float8 AS blob
       FROM operator o JOIN deployment d ON d.operator_id = o.id JOIN service s ON s.deployment_id = d.id AND s.enabled
      WHERE o.provider_id = $1
   )
   SELECT EXISTS (SELECT 1 FROM provider WHERE id = $1) AS "providerExists",
          (SELECT count(*)::int FROM operator WHERE provider_id = $1) AS operators,
          (SELECT coalesce(sum(quota_vcpus), 0)::float8 FROM operator WHERE provider_id = $1) AS "bookedVcpus",
          (SELECT coalesce(sum(quota_memory_gib), 0)::float8 FROM operator WHERE provider_id = $1) AS "bookedMemory",
          storage.block AS "bookedBlock", storage.blob AS "bookedBlob",
          coalesce((SELECT json_agg(json_build_object('netboxId', netbox_id, 'name', name, 'status', status,
                      'siteId', site_id, 'hosts', hosts, 'vcpus', vcpus, 'memoryGib', memory, 'blockGib', block,
                      'blobGib', blob) ORDER BY name, netbox_id) FROM clusters), '[]') AS clusters,
          coalesce((SELECT array_agg(name ORDER BY name) FROM named WHERE name NOT IN (SELECT name FROM pool)),
                   '{}') AS "missingClusters"
     FROM storage`,
);
