import { sql, sqlTemplate } from "../db/named-sql.js";

/** A volume's columns (table alias t), as toVolume reads them. */
export const VOLUME_COLUMNS = `t.id, t.service_id AS "serviceId", t.operator_id AS "operatorId", t.kind, t.name, t.host,
  t.last_snapshot_at AS "lastSnapshotAt",
  (SELECT provider_id FROM operator WHERE id = t.operator_id) AS "providerId"`;

/** A provider's volumes, for its backup agent to find what it reports on. {{scope}}: the caller's reach. */
export const PROVIDER_VOLUMES = sqlTemplate<"scope">(
  "backups.providerVolumes",
  `SELECT ${VOLUME_COLUMNS} FROM backup_volume t
    WHERE t.operator_id IN (SELECT id FROM operator WHERE provider_id = $1){{scope}}
    ORDER BY t.kind, t.name, t.id`,
);

/** A service's effective policy: its own, else its provider's default for its type; with the minimums. */
export const POLICY_COLUMNS = `s.id AS "serviceId", bp.service_id IS NOT NULL AS own,
  COALESCE(bp.enabled, bd.id IS NOT NULL) AS enabled, COALESCE(bp.schedule, bd.schedule) AS schedule,
  json_build_array(COALESCE(bp.keep_last, bd.keep_last, 0), COALESCE(bp.keep_hourly, bd.keep_hourly, 0),
    COALESCE(bp.keep_daily, bd.keep_daily, 0), COALESCE(bp.keep_weekly, bd.keep_weekly, 0),
    COALESCE(bp.keep_monthly, bd.keep_monthly, 0), COALESCE(bp.keep_yearly, bd.keep_yearly, 0)) AS keep,
  json_build_array(COALESCE(bd.min_keep_last, 0), COALESCE(bd.min_keep_hourly, 0), COALESCE(bd.min_keep_daily, 0),
    COALESCE(bd.min_keep_weekly, 0), COALESCE(bd.min_keep_monthly, 0), COALESCE(bd.min_keep_yearly, 0)) AS minimum`;

export const POLICY_JOINS = `JOIN deployment d ON d.id = s.deployment_id JOIN operator o ON o.id = d.operator_id
  LEFT JOIN backup_policy bp ON bp.service_id = s.id
  LEFT JOIN backup_default bd ON bd.provider_id = o.provider_id AND bd.service_type_id = s.service_type_id`;

export const POLICY_BY_SERVICE = sql(
  "backups.policyByService",
  `SELECT ${POLICY_COLUMNS}, d.operator_id AS "operatorId", o.provider_id AS "providerId"
     FROM service s ${POLICY_JOINS} WHERE s.id = ANY($1::uuid[])`,
);

/**
 * What freshness is computed from, flat: one row per service, volume and target of the volume's kind
 * (nulls where there is none), with the service's effective schedule and the volume's newest live
 * snapshot (backup_volume.last_snapshot_at, which reports keep). Flat rows and times as epoch milliseconds: for
 * a provider's 10,000 services, nested JSON and timestamp parsing cost more than the reads. {{where}}:
 * which services (and the caller's scope).
 */
export const FRESHNESS = sqlTemplate<"where">(
  "backups.freshness",
  `SELECT s.id AS "serviceId", s.domain,
          CASE WHEN COALESCE(bp.enabled, bd.id IS NOT NULL) THEN COALESCE(bp.schedule, bd.schedule) END AS schedule,
          v.id AS "volumeId", v.kind, (extract(epoch FROM v.last_snapshot_at) * 1000)::float8 AS "lastSnapshotMs",
          t.name AS target, r.state, (extract(epoch FROM r.synced_to) * 1000)::float8 AS "syncedToMs"
     FROM service s ${POLICY_JOINS}
     LEFT JOIN backup_volume v ON v.service_id = s.id
     LEFT JOIN backup_target t ON t.provider_id = o.provider_id
      AND t.kind = CASE v.kind WHEN 'block' THEN 'zfs-pull' ELSE 's3-replica' END
     LEFT JOIN backup_replica r ON r.volume_id = v.id AND r.target_id = t.id
    WHERE {{where}}`,
);
