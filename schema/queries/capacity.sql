-- Generated from the code by `npm run sql:emit`; do not edit.

-- capacity.byProvider
WITH named AS (
     SELECT DISTINCT rp.settings ->> 'cluster' AS name FROM resource_provider rp
      WHERE rp.provider_id = $1 AND rp.component_type = 'virtualisation' AND rp.settings ->> 'cluster' IS NOT NULL
   ), pool AS (
     SELECT c.netbox_id, c.name, c.status, c.site_id FROM netbox_object c
      WHERE c.provider_id = $1 AND c.kind = 'clusters' AND c.deleted_at IS NULL
        AND (NOT EXISTS (SELECT 1 FROM named) OR c.name IN (SELECT name FROM named))
   ), clusters AS (
     SELECT p.netbox_id, p.name, p.status, p.site_id, count(h.netbox_id)::int AS hosts,
            coalesce(sum(CASE WHEN jsonb_typeof(h.custom_fields -> 'capacity_vcpus') = 'number'
        THEN (h.custom_fields ->> 'capacity_vcpus')::numeric END), 0) AS vcpus, coalesce(sum(CASE WHEN jsonb_typeof(h.custom_fields -> 'capacity_memory_gib') = 'number'
        THEN (h.custom_fields ->> 'capacity_memory_gib')::numeric END), 0) AS memory,
            coalesce(sum(CASE WHEN jsonb_typeof(h.custom_fields -> 'capacity_block_gib') = 'number'
        THEN (h.custom_fields ->> 'capacity_block_gib')::numeric END), 0) AS block, coalesce(sum(CASE WHEN jsonb_typeof(h.custom_fields -> 'capacity_blob_gib') = 'number'
        THEN (h.custom_fields ->> 'capacity_blob_gib')::numeric END), 0) AS blob
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
     FROM storage;
