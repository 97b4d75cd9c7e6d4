import type { Db } from "../db/db.js";
import { sql } from "../db/named-sql.js";

export type ServiceTypeUsage = {
  serviceType: string;
  /** Days (fractional) during which services of this type were enabled, summed over services. */
  serviceDays: number;
  blockStorageGibHours: number;
  blobStorageGibHours: number;
  /** Backup storage: bytes of existing snapshots, and bytes held at backup targets, over time. */
  backupSnapshotGibHours: number;
  backupReplicaGibHours: number;
};

export type UsageReport = {
  operatorId: string;
  from: string;
  to: string;
  bookedStorageGibHours: number;
  bookedVcpuHours: number;
  bookedMemoryGibHours: number;
  services: ServiceTypeUsage[];
  /** The services' backup storage summed. */
  backupSnapshotGibHours: number;
  backupReplicaGibHours: number;
  runsSucceeded: number;
  runsFailed: number;
};

const GIB = 1024 ** 3;

// Seconds of an interval [start, end) inside the period [$2, $3); an open interval runs until now.
const overlap = (start: string, end: string) =>
  `extract(epoch FROM least(coalesce(${end}, now()), $3::timestamptz) - greatest(${start}, $2::timestamptz))`;

const QUOTA = sql(
  "accounting.usageReport.quota",
  `SELECT coalesce(sum(storage_gib * secs), 0) / 3600 AS storage, coalesce(sum(vcpus * secs), 0) / 3600 AS vcpus,
            coalesce(sum(memory_gib * secs), 0) / 3600 AS memory
       FROM (SELECT storage_gib, vcpus, memory_gib, ${overlap("valid_from", "valid_to")} AS secs
               FROM usage_quota
              WHERE operator_id = $1 AND valid_from < $3 AND (valid_to IS NULL OR valid_to > $2)) q
      WHERE secs > 0`,
);
const SERVICES = sql(
  "accounting.usageReport.services",
  `WITH enabled AS (
       SELECT service_type AS type, sum(secs) / 86400 AS days
         FROM (SELECT service_type, ${overlap("enabled_from", "disabled_at")} AS secs FROM usage_service
                WHERE operator_id = $1 AND enabled_from < $3 AND (disabled_at IS NULL OR disabled_at > $2)) e
        WHERE secs > 0 GROUP BY service_type),
     storage AS (
       SELECT service_type AS type, sum(block_storage_gib * secs) / 3600 AS block, sum(blob_storage_gib * secs) / 3600 AS blob
         FROM (SELECT service_type, block_storage_gib, blob_storage_gib, ${overlap("valid_from", "valid_to")} AS secs
                 FROM usage_storage
                WHERE operator_id = $1 AND valid_from < $3 AND (valid_to IS NULL OR valid_to > $2)) s
        WHERE secs > 0 GROUP BY service_type),
     backup AS (
       SELECT service_type AS type, sum(snapshot_bytes * secs) / 3600 / ${GIB} AS snapshots,
              sum(replica_bytes * secs) / 3600 / ${GIB} AS replicas
         FROM (SELECT service_type, snapshot_bytes, replica_bytes, ${overlap("valid_from", "valid_to")} AS secs
                 FROM usage_backup
                WHERE operator_id = $1 AND valid_from < $3 AND (valid_to IS NULL OR valid_to > $2)) b
        WHERE secs > 0 GROUP BY service_type)
     SELECT coalesce(e.type, s.type, b.type) AS type, coalesce(e.days, 0) AS days, coalesce(s.block, 0) AS block,
            coalesce(s.blob, 0) AS blob, coalesce(b.snapshots, 0) AS snapshots, coalesce(b.replicas, 0) AS replicas
       FROM enabled e FULL JOIN storage s ON s.type = e.type FULL JOIN backup b ON b.type = coalesce(e.type, s.type)
      ORDER BY 1`,
);
const OUTCOMES = sql(
  "accounting.usageReport.outcomes",
  `SELECT outcome, count(*)::int AS n FROM accounting_event
      WHERE operator_id = $1 AND occurred_at >= $2 AND occurred_at < $3
        AND action IN ('apply', 'restore') AND target_kind = 'run' AND outcome IN ('success', 'failure')
      GROUP BY outcome`,
);

/**
 * One operator's usage over [from, to), from the usage records (exact numeric arithmetic in PostgreSQL,
 * to the microsecond) and, for runs, from the accounting events, which outlive deleted deployments.
 */
export async function usageReport(
  db: Db,
  operatorId: string,
  from: string,
  to: string,
): Promise<UsageReport> {
  const params = [operatorId, from, to];
  const [booked] = await db.query<{ storage: string; vcpus: string; memory: string }>(QUOTA, params);
  const services = await db.query<{
    type: string;
    days: string;
    block: string;
    blob: string;
    snapshots: string;
    replicas: string;
  }>(SERVICES, params);
  const runs = await db.query<{ outcome: string; n: number }>(OUTCOMES, params);
  const runsOf = (outcome: string) => runs.find((r) => r.outcome === outcome)?.n ?? 0;
  return {
    operatorId,
    from,
    to,
    bookedStorageGibHours: Number(booked?.storage ?? 0),
    bookedVcpuHours: Number(booked?.vcpus ?? 0),
    bookedMemoryGibHours: Number(booked?.memory ?? 0),
    services: services.map((s) => ({
      serviceType: s.type,
      serviceDays: Number(s.days),
      blockStorageGibHours: Number(s.block),
      blobStorageGibHours: Number(s.blob),
      backupSnapshotGibHours: Number(s.snapshots),
      backupReplicaGibHours: Number(s.replicas),
    })),
    backupSnapshotGibHours: sum(services.map((s) => s.snapshots)),
    backupReplicaGibHours: sum(services.map((s) => s.replicas)),
    runsSucceeded: runsOf("success"),
    runsFailed: runsOf("failure"),
  };
}

const sum = (values: string[]) => values.reduce((a, v) => a + Number(v), 0);
