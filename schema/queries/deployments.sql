-- Generated from the code by `npm run sql:emit`; do not edit.

-- deployments.byId
SELECT t.id, t.operator_id AS "operatorId", t.name, t.staged_generation AS "stagedGeneration",
  t.deployed_generation AS "deployedGeneration", to_char(t.deployed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "deployedAt",
  to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt", to_char(t.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt" FROM deployment t;

-- deployments.serviceById
SELECT t.id, t.deployment_id AS "deploymentId", t.service_type_id AS "serviceTypeId", t.enabled,
  t.domain, t.options, t.block_storage_gib AS "blockStorageGib", t.blob_storage_gib AS "blobStorageGib", t.vcpus,
  t.memory_gib AS "memoryGib", t.backup_schedule AS "backupSchedule", t.backup_retention_days AS "backupRetentionDays",
  to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt", to_char(t.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt" FROM service t;
