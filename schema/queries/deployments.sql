-- Generated from the code by `npm run sql:emit`; do not edit.

-- deployments.byId
SELECT t.id, t.operator_id AS "operatorId", t.name, t.staged_generation AS "stagedGeneration", t.deployed_generation AS "deployedGeneration", to_char(t.deployed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "deployedAt", to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt", to_char(t.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt" FROM deployment t WHERE t.id = ANY($1::uuid[]){{scope}};

-- deployments.config.coreServices
SELECT kind, name, endpoint, settings FROM core_service WHERE provider_id = $1 ORDER BY kind, name;

-- deployments.config.deployed
SELECT deployed_config AS config FROM deployment WHERE id = $1;

-- deployments.config.deployment
SELECT d.id, d.name, d.staged_generation AS generation,
            o.id AS "operatorId", o.slug AS "operatorSlug", o.name AS "operatorName", o.contact_email AS "contactEmail",
            o.dns_zone AS "dnsZone", o.quota_storage_gib AS "quotaStorageGib", o.quota_vcpus AS "quotaVcpus",
            o.quota_memory_gib AS "quotaMemoryGib", o.bespoke_info AS "bespokeInfo",
            p.id AS "providerId", p.slug AS "providerSlug", p.name AS "providerName"
       FROM deployment d JOIN operator o ON o.id = d.operator_id JOIN provider p ON p.id = o.provider_id
      WHERE d.id = $1;

-- deployments.config.place
SELECT d.operator_id AS "operatorId", o.provider_id AS "providerId"
         FROM deployment d JOIN operator o ON o.id = d.operator_id WHERE d.id = $1;

-- deployments.config.resourceProviders
SELECT component_type AS "componentType", implementation, settings FROM resource_provider
        WHERE provider_id = $1 ORDER BY component_type, implementation;

-- deployments.config.services
SELECT s.id, st.slug AS type, st.federated, s.enabled, s.domain, s.options, s.vcpus, s.memory_gib AS "memoryGib",
              s.block_storage_gib AS "blockStorageGib", s.blob_storage_gib AS "blobStorageGib"
         FROM service s JOIN service_type st ON st.id = s.service_type_id
        WHERE s.deployment_id = $1 ORDER BY s.domain, s.id;

-- deployments.countByOperator
SELECT t.operator_id AS parent, count(*)::int AS n FROM deployment t
        WHERE t.operator_id = ANY($1::uuid[]){{scope}} GROUP BY 1;

-- deployments.list.count
SELECT count(*)::int AS n FROM deployment t {{where}};

-- deployments.list.page
SELECT t.id, t.operator_id AS "operatorId", t.name, t.staged_generation AS "stagedGeneration", t.deployed_generation AS "deployedGeneration", to_char(t.deployed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "deployedAt", to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt", to_char(t.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt" FROM deployment t {{where}}
     ORDER BY {{orderBy}} LIMIT {{limit}};

-- deployments.pageByOperator
SELECT p.id AS parent, (SELECT json_agg(json_build_array(c.c0, c.c1, c.c2, c.c3, c.c4, c.c5, c.c6, c.c7)) FROM (
               SELECT t.id AS c0, t.operator_id AS c1, t.name AS c2, t.staged_generation AS c3, t.deployed_generation AS c4, (t.deployed_at AT TIME ZONE 'UTC') AS c5, (t.created_at AT TIME ZONE 'UTC') AS c6, (t.updated_at AT TIME ZONE 'UTC') AS c7 FROM deployment t
               WHERE t.operator_id = p.id {{keyset}}{{scope}}
               ORDER BY {{orderBy}} LIMIT {{limit}}) c) AS page
             FROM unnest($1::uuid[]) AS p(id);

-- deployments.placeOfDeployment
SELECT d.operator_id AS "operatorId", o.provider_id AS "providerId"
           FROM deployment d JOIN operator o ON o.id = d.operator_id WHERE d.id = $1;

-- deployments.placeOfService
SELECT d.operator_id AS "operatorId", o.provider_id AS "providerId"
           FROM service s JOIN deployment d ON d.id = s.deployment_id JOIN operator o ON o.id = d.operator_id
          WHERE s.id = $1;

-- deployments.providerOfOperator
SELECT provider_id AS "providerId" FROM operator WHERE id = $1;

-- deployments.serviceById
SELECT t.id, t.deployment_id AS "deploymentId", t.service_type_id AS "serviceTypeId", t.enabled, t.domain, t.options, t.block_storage_gib AS "blockStorageGib", t.blob_storage_gib AS "blobStorageGib", t.vcpus, t.memory_gib AS "memoryGib", to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt", to_char(t.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt" FROM service t WHERE t.id = ANY($1::uuid[]){{scope}};

-- deployments.serviceCountByDeployment
SELECT t.deployment_id AS parent, count(*)::int AS n FROM service t
        WHERE t.deployment_id = ANY($1::uuid[]){{scope}} GROUP BY 1;

-- deployments.servicePageByDeployment
SELECT p.id AS parent, (SELECT json_agg(json_build_array(c.c0, c.c1, c.c2, c.c3, c.c4, c.c5, c.c6, c.c7, c.c8, c.c9, c.c10, c.c11)) FROM (
               SELECT t.id AS c0, t.deployment_id AS c1, t.service_type_id AS c2, t.enabled AS c3, t.domain AS c4, t.options AS c5, t.block_storage_gib AS c6, t.blob_storage_gib AS c7, t.vcpus AS c8, t.memory_gib AS c9, (t.created_at AT TIME ZONE 'UTC') AS c10, (t.updated_at AT TIME ZONE 'UTC') AS c11 FROM service t
               WHERE t.deployment_id = p.id {{keyset}}{{scope}}
               ORDER BY {{orderBy}} LIMIT {{limit}}) c) AS page
             FROM unnest($1::uuid[]) AS p(id);

-- deployments.stage
UPDATE deployment SET staged_generation = staged_generation + 1, updated_at = now() WHERE id = $1;
