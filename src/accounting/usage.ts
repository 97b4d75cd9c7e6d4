// Usage records, written by the operator and deployment services in the same transaction as the change.
// Each writer brings the records in line with the rows as they are now, so call sites stay one line and
// calling one twice changes nothing. Times come from clock_timestamp() (the callers hold the operator's
// row lock, so one operator's intervals follow each other in order); a closed interval's end is exactly
// the next one's start.

import type { EntityManager } from "typeorm";
import { isoMicros } from "./event-sql.js";
import { isRecording } from "./recording.js";
import { sql } from "../db/named-sql.js";

const CLOSE_QUOTA = sql(
  "accounting.usage.closeQuota",
  `WITH closed AS (
       UPDATE usage_quota u SET valid_to = greatest(clock_timestamp(), u.valid_from)
         FROM operator o
        WHERE u.operator_id = $1 AND u.valid_to IS NULL AND o.id = u.operator_id
          AND (u.storage_gib, u.vcpus, u.memory_gib)
              IS DISTINCT FROM (o.quota_storage_gib, o.quota_vcpus, o.quota_memory_gib)
        RETURNING u.valid_to)
     SELECT ${isoMicros("valid_to")} AS at FROM closed`,
);
const OPEN_QUOTA = sql(
  "accounting.usage.openQuota",
  `INSERT INTO usage_quota (operator_id, storage_gib, vcpus, memory_gib, valid_from)
     SELECT o.id, o.quota_storage_gib, o.quota_vcpus, o.quota_memory_gib, coalesce($2::timestamptz, clock_timestamp())
       FROM operator o
      WHERE o.id = $1 AND NOT EXISTS (SELECT 1 FROM usage_quota u WHERE u.operator_id = o.id AND u.valid_to IS NULL)`,
);

/** Closes the operator's quota interval if the booked quota changed, and opens one for the current quota. */
export async function syncQuotaUsage(tx: EntityManager, operatorId: string): Promise<void> {
  if (!isRecording()) return;
  // Wrapped in a SELECT: TypeORM hands back [rows, count] for a bare UPDATE … RETURNING.
  const closed: { at: string }[] = await tx.query(CLOSE_QUOTA, [operatorId]);
  await tx.query(OPEN_QUOTA, [operatorId, closed[0]?.at ?? null]);
}

const CLOSE_SERVICES = sql(
  "accounting.usage.closeServices",
  `UPDATE usage_service u SET disabled_at = greatest(clock_timestamp(), u.enabled_from)
      WHERE u.service_id = ANY($1::uuid[]) AND u.disabled_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM service s WHERE s.id = u.service_id AND s.enabled)`,
);
const OPEN_SERVICES = sql(
  "accounting.usage.openServices",
  `INSERT INTO usage_service (service_id, deployment_id, operator_id, service_type, enabled_from)
     SELECT s.id, s.deployment_id, d.operator_id, t.slug, clock_timestamp()
       FROM service s JOIN deployment d ON d.id = s.deployment_id JOIN service_type t ON t.id = s.service_type_id
      WHERE s.id = ANY($1::uuid[]) AND s.enabled
        AND NOT EXISTS (SELECT 1 FROM usage_service u WHERE u.service_id = s.id AND u.disabled_at IS NULL)`,
);
const CLOSE_STORAGE = sql(
  "accounting.usage.closeStorage",
  `WITH closed AS (
       UPDATE usage_storage u SET valid_to = greatest(clock_timestamp(), u.valid_from)
        WHERE u.service_id = ANY($1::uuid[]) AND u.valid_to IS NULL
          AND NOT EXISTS (SELECT 1 FROM service s WHERE s.id = u.service_id
                            AND s.block_storage_gib = u.block_storage_gib AND s.blob_storage_gib = u.blob_storage_gib)
        RETURNING u.service_id, u.valid_to)
     SELECT service_id AS "serviceId", ${isoMicros("valid_to")} AS at FROM closed`,
);
const OPEN_STORAGE = sql(
  "accounting.usage.openStorage",
  `INSERT INTO usage_storage (service_id, deployment_id, operator_id, service_type, block_storage_gib,
                                blob_storage_gib, valid_from)
     SELECT s.id, s.deployment_id, d.operator_id, t.slug, s.block_storage_gib, s.blob_storage_gib,
            coalesce(c.at, clock_timestamp())
       FROM service s JOIN deployment d ON d.id = s.deployment_id JOIN service_type t ON t.id = s.service_type_id
       LEFT JOIN unnest($2::uuid[], $3::timestamptz[]) AS c(service_id, at) ON c.service_id = s.id
      WHERE s.id = ANY($1::uuid[])
        AND NOT EXISTS (SELECT 1 FROM usage_storage u WHERE u.service_id = s.id AND u.valid_to IS NULL)`,
);

/**
 * Brings the enabled intervals and storage intervals of these services in line with their rows: opens,
 * closes, or (for a storage size change) closes and reopens. A service that is gone has its intervals closed.
 */
export async function syncServiceUsage(tx: EntityManager, serviceIds: string[]): Promise<void> {
  if (!isRecording() || serviceIds.length === 0) return;
  await tx.query(CLOSE_SERVICES, [serviceIds]);
  await tx.query(OPEN_SERVICES, [serviceIds]);
  const closed: { serviceId: string; at: string }[] = await tx.query(CLOSE_STORAGE, [serviceIds]);
  await tx.query(OPEN_STORAGE, [serviceIds, closed.map((c) => c.serviceId), closed.map((c) => c.at)]);
}

const CLOSE_DEPLOYMENT_SERVICES = sql(
  "accounting.usage.closeDeploymentServices",
  `UPDATE usage_service SET disabled_at = greatest(clock_timestamp(), enabled_from)
      WHERE deployment_id = $1 AND disabled_at IS NULL`,
);
const CLOSE_DEPLOYMENT_STORAGE = sql(
  "accounting.usage.closeDeploymentStorage",
  `UPDATE usage_storage SET valid_to = greatest(clock_timestamp(), valid_from)
      WHERE deployment_id = $1 AND valid_to IS NULL`,
);

/** The deployment is gone, and its services with it: their open intervals end now. */
export async function closeDeploymentUsage(tx: EntityManager, deploymentId: string): Promise<void> {
  if (!isRecording()) return;
  await tx.query(CLOSE_DEPLOYMENT_SERVICES, [deploymentId]);
  await tx.query(CLOSE_DEPLOYMENT_STORAGE, [deploymentId]);
}

// A volume's backup storage now: bytes of its existing snapshots, and bytes held at backup targets (each
// target holding a snapshot counts its size once; "source" is the volume's own host, not a replica).
// The CTE both statements below start from (a fragment, not a statement of its own).
const BACKUP_NOW = `now_ AS (SELECT v.id AS volume_id, v.service_id, v.operator_id, t.slug AS service_type,
         coalesce(sum(s.size_bytes) FILTER (WHERE s.destroyed_at IS NULL), 0) AS snapshot_bytes,
         coalesce(sum(s.size_bytes * cardinality(array_remove(s.held_at, 'source')))
                    FILTER (WHERE s.destroyed_at IS NULL), 0) AS replica_bytes
    FROM backup_volume v JOIN service sv ON sv.id = v.service_id JOIN service_type t ON t.id = sv.service_type_id
    LEFT JOIN backup_snapshot s ON s.volume_id = v.id
   WHERE v.id = ANY($1::uuid[])
   GROUP BY v.id, t.slug)`;
const CLOSE_BACKUP = sql(
  "accounting.usage.closeBackup",
  `WITH ${BACKUP_NOW}, closed AS (
       UPDATE usage_backup u SET valid_to = greatest(clock_timestamp(), u.valid_from)
        WHERE u.volume_id = ANY($1::uuid[]) AND u.valid_to IS NULL
          AND NOT EXISTS (SELECT 1 FROM now_ n WHERE n.volume_id = u.volume_id
                            AND n.snapshot_bytes = u.snapshot_bytes AND n.replica_bytes = u.replica_bytes)
        RETURNING u.volume_id, u.valid_to)
     SELECT volume_id AS "volumeId", ${isoMicros("valid_to")} AS at FROM closed`,
);
const OPEN_BACKUP = sql(
  "accounting.usage.openBackup",
  `WITH ${BACKUP_NOW}
   INSERT INTO usage_backup (volume_id, service_id, operator_id, service_type, snapshot_bytes, replica_bytes, valid_from)
     SELECT n.volume_id, n.service_id, n.operator_id, n.service_type, n.snapshot_bytes, n.replica_bytes,
            coalesce(c.at, clock_timestamp())
       FROM now_ n LEFT JOIN unnest($2::uuid[], $3::timestamptz[]) AS c(volume_id, at) ON c.volume_id = n.volume_id
      WHERE (n.snapshot_bytes > 0 OR n.replica_bytes > 0)
        AND NOT EXISTS (SELECT 1 FROM usage_backup u WHERE u.volume_id = n.volume_id AND u.valid_to IS NULL)`,
);

/**
 * Brings the backup storage intervals of these volumes in line with their snapshots: a report that
 * changes a volume's snapshot or replica bytes closes its interval and opens the next, adjacent to the
 * microsecond; a volume with nothing stored (or gone) has none open. Called in the report's transaction.
 */
export async function syncBackupUsage(tx: EntityManager, volumeIds: string[]): Promise<void> {
  if (!isRecording() || volumeIds.length === 0) return;
  const closed: { volumeId: string; at: string }[] = await tx.query(CLOSE_BACKUP, [volumeIds]);
  await tx.query(OPEN_BACKUP, [volumeIds, closed.map((c) => c.volumeId), closed.map((c) => c.at)]);
}
