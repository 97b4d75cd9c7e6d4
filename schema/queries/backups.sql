-- Generated from the code by `npm run sql:emit`; do not edit.

-- backups.bumpDeployment
UPDATE deployment SET staged_generation = staged_generation + 1, updated_at = now() WHERE id = $1;

-- backups.configSection
SELECT s.id AS "serviceId", bp.service_id IS NOT NULL AS own,
  COALESCE(bp.enabled, bd.id IS NOT NULL) AS enabled, COALESCE(bp.schedule, bd.schedule) AS schedule,
  json_build_array(COALESCE(bp.keep_last, bd.keep_last, 0), COALESCE(bp.keep_hourly, bd.keep_hourly, 0),
    COALESCE(bp.keep_daily, bd.keep_daily, 0), COALESCE(bp.keep_weekly, bd.keep_weekly, 0),
    COALESCE(bp.keep_monthly, bd.keep_monthly, 0), COALESCE(bp.keep_yearly, bd.keep_yearly, 0)) AS keep,
  json_build_array(COALESCE(bd.min_keep_last, 0), COALESCE(bd.min_keep_hourly, 0), COALESCE(bd.min_keep_daily, 0),
    COALESCE(bd.min_keep_weekly, 0), COALESCE(bd.min_keep_monthly, 0), COALESCE(bd.min_keep_yearly, 0)) AS minimum,
          COALESCE((SELECT json_agg(json_build_object('kind', v.kind, 'name', v.name, 'host', v.host,
              'targets', COALESCE((SELECT json_agg(json_build_object('name', t.name, 'kind', t.kind,
                                     'endpoint', t.endpoint, 'location', t.location, 'secretRef', t.secret_ref,
                                     'host', t.host) ORDER BY t.name)
                                     FROM backup_target t
                                    WHERE t.provider_id = o.provider_id
                                      AND t.kind = CASE v.kind WHEN 'block' THEN 'zfs-pull' ELSE 's3-replica' END),
                                  '[]')) ORDER BY v.kind, v.name)
             FROM backup_volume v WHERE v.service_id = s.id), '[]') AS volumes
     FROM service s JOIN deployment d ON d.id = s.deployment_id JOIN operator o ON o.id = d.operator_id
  LEFT JOIN backup_policy bp ON bp.service_id = s.id
  LEFT JOIN backup_default bd ON bd.provider_id = o.provider_id AND bd.service_type_id = s.service_type_id
    WHERE s.deployment_id = $1;

-- backups.default.bumpDeployments
UPDATE deployment d SET staged_generation = staged_generation + 1, updated_at = now()
    WHERE d.id IN (SELECT s.deployment_id FROM service s JOIN deployment sd ON sd.id = s.deployment_id
                    JOIN operator o ON o.id = sd.operator_id
                   WHERE o.provider_id = $1 AND s.service_type_id = $2);

-- backups.default.upsert
INSERT INTO backup_default (provider_id, service_type_id, schedule, keep_last, keep_hourly, keep_daily,
     keep_weekly, keep_monthly, keep_yearly, min_keep_last, min_keep_hourly, min_keep_daily, min_keep_weekly,
     min_keep_monthly, min_keep_yearly)
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
   ON CONFLICT (provider_id, service_type_id) DO UPDATE SET schedule = EXCLUDED.schedule,
     keep_last = EXCLUDED.keep_last, keep_hourly = EXCLUDED.keep_hourly, keep_daily = EXCLUDED.keep_daily,
     keep_weekly = EXCLUDED.keep_weekly, keep_monthly = EXCLUDED.keep_monthly, keep_yearly = EXCLUDED.keep_yearly,
     min_keep_last = EXCLUDED.min_keep_last, min_keep_hourly = EXCLUDED.min_keep_hourly,
     min_keep_daily = EXCLUDED.min_keep_daily, min_keep_weekly = EXCLUDED.min_keep_weekly,
     min_keep_monthly = EXCLUDED.min_keep_monthly, min_keep_yearly = EXCLUDED.min_keep_yearly, updated_at = now();

-- backups.freshness
SELECT s.id AS "serviceId", s.domain,
          CASE WHEN COALESCE(bp.enabled, bd.id IS NOT NULL) THEN COALESCE(bp.schedule, bd.schedule) END AS schedule,
          v.id AS "volumeId", v.kind, (extract(epoch FROM v.last_snapshot_at) * 1000)::float8 AS "lastSnapshotMs",
          t.name AS target, r.state, (extract(epoch FROM r.synced_to) * 1000)::float8 AS "syncedToMs"
     FROM service s JOIN deployment d ON d.id = s.deployment_id JOIN operator o ON o.id = d.operator_id
  LEFT JOIN backup_policy bp ON bp.service_id = s.id
  LEFT JOIN backup_default bd ON bd.provider_id = o.provider_id AND bd.service_type_id = s.service_type_id
     LEFT JOIN backup_volume v ON v.service_id = s.id
     LEFT JOIN backup_target t ON t.provider_id = o.provider_id
      AND t.kind = CASE v.kind WHEN 'block' THEN 'zfs-pull' ELSE 's3-replica' END
     LEFT JOIN backup_replica r ON r.volume_id = v.id AND r.target_id = t.id
    WHERE {{where}};

-- backups.liveSnapshots
SELECT guid, name, (extract(epoch FROM taken_at) * 1000)::float8 AS ms
     FROM backup_snapshot WHERE volume_id = $1 AND destroyed_at IS NULL ORDER BY taken_at DESC;

-- backups.policy.delete
DELETE FROM backup_policy WHERE service_id = $1;

-- backups.policy.upsert
INSERT INTO backup_policy (service_id, enabled, schedule, keep_last, keep_hourly, keep_daily, keep_weekly,
     keep_monthly, keep_yearly) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
   ON CONFLICT (service_id) DO UPDATE SET enabled = EXCLUDED.enabled, schedule = EXCLUDED.schedule,
     keep_last = EXCLUDED.keep_last, keep_hourly = EXCLUDED.keep_hourly, keep_daily = EXCLUDED.keep_daily,
     keep_weekly = EXCLUDED.keep_weekly, keep_monthly = EXCLUDED.keep_monthly, keep_yearly = EXCLUDED.keep_yearly,
     updated_at = now();

-- backups.policyByService
SELECT s.id AS "serviceId", bp.service_id IS NOT NULL AS own,
  COALESCE(bp.enabled, bd.id IS NOT NULL) AS enabled, COALESCE(bp.schedule, bd.schedule) AS schedule,
  json_build_array(COALESCE(bp.keep_last, bd.keep_last, 0), COALESCE(bp.keep_hourly, bd.keep_hourly, 0),
    COALESCE(bp.keep_daily, bd.keep_daily, 0), COALESCE(bp.keep_weekly, bd.keep_weekly, 0),
    COALESCE(bp.keep_monthly, bd.keep_monthly, 0), COALESCE(bp.keep_yearly, bd.keep_yearly, 0)) AS keep,
  json_build_array(COALESCE(bd.min_keep_last, 0), COALESCE(bd.min_keep_hourly, 0), COALESCE(bd.min_keep_daily, 0),
    COALESCE(bd.min_keep_weekly, 0), COALESCE(bd.min_keep_monthly, 0), COALESCE(bd.min_keep_yearly, 0)) AS minimum, d.operator_id AS "operatorId", o.provider_id AS "providerId"
     FROM service s JOIN deployment d ON d.id = s.deployment_id JOIN operator o ON o.id = d.operator_id
  LEFT JOIN backup_policy bp ON bp.service_id = s.id
  LEFT JOIN backup_default bd ON bd.provider_id = o.provider_id AND bd.service_type_id = s.service_type_id WHERE s.id = ANY($1::uuid[]);

-- backups.provider
SELECT id FROM provider WHERE id = $1;

-- backups.providerVolumes
SELECT t.id, t.service_id AS "serviceId", t.operator_id AS "operatorId", t.kind, t.name, t.host,
  t.last_snapshot_at AS "lastSnapshotAt",
  (SELECT provider_id FROM operator WHERE id = t.operator_id) AS "providerId" FROM backup_volume t
    WHERE t.operator_id IN (SELECT id FROM operator WHERE provider_id = $1){{scope}}
    ORDER BY t.kind, t.name, t.id;

-- backups.replicasByVolume
SELECT v.id AS "volumeId", t.name AS target, r.state, r.synced_to AS "syncedTo", r.detail,
          r.observed_at AS "observedAt"
     FROM backup_volume v JOIN operator o ON o.id = v.operator_id
     JOIN backup_target t ON t.provider_id = o.provider_id
      AND t.kind = CASE v.kind WHEN 'block' THEN 'zfs-pull' ELSE 's3-replica' END
     LEFT JOIN backup_replica r ON r.volume_id = v.id AND r.target_id = t.id
    WHERE v.id = ANY($1::uuid[]) ORDER BY t.name;

-- backups.report.lastSnapshot
UPDATE backup_volume v SET last_snapshot_at = (SELECT max(s.taken_at) FROM backup_snapshot s
                                                   WHERE s.volume_id = v.id AND s.destroyed_at IS NULL)
    WHERE v.id = ANY($1::uuid[]);

-- backups.report.targets
SELECT id, provider_id AS "providerId", name, kind FROM backup_target WHERE provider_id = ANY($1::uuid[]);

-- backups.report.upsertReplicas
WITH applied AS (
   INSERT INTO backup_replica (volume_id, target_id, state, synced_to, detail, observed_at)
   SELECT r.v, r.t, r.s, r.y, r.d, r.o
     FROM jsonb_to_recordset($1::jsonb) AS r(v uuid, t uuid, s text, y timestamptz, d text, o timestamptz)
   ON CONFLICT (volume_id, target_id) DO UPDATE SET
     state = EXCLUDED.state, synced_to = EXCLUDED.synced_to, detail = EXCLUDED.detail,
     observed_at = EXCLUDED.observed_at, reported_at = now()
   WHERE backup_replica.observed_at <= EXCLUDED.observed_at RETURNING 1)
   SELECT count(*)::int AS n FROM applied;

-- backups.report.upsertSnapshots
WITH applied AS (
   INSERT INTO backup_snapshot (volume_id, guid, name, taken_at, size_bytes, held_at, destroyed_at, observed_at)
   SELECT r.v, r.g, r.n, r.t, r.s, r.h, r.d, r.o
     FROM jsonb_to_recordset($1::jsonb) AS r(v uuid, g text, n text, t timestamptz, s bigint, h text[],
          d timestamptz, o timestamptz)
   ON CONFLICT (volume_id, guid) DO UPDATE SET
     name = EXCLUDED.name, taken_at = EXCLUDED.taken_at, size_bytes = EXCLUDED.size_bytes,
     held_at = EXCLUDED.held_at, destroyed_at = EXCLUDED.destroyed_at, observed_at = EXCLUDED.observed_at,
     reported_at = now()
   WHERE backup_snapshot.observed_at <= EXCLUDED.observed_at RETURNING 1)
   SELECT count(*)::int AS n FROM applied;

-- backups.report.volumes
SELECT v.id, v.operator_id AS "operatorId", o.provider_id AS "providerId", v.kind
     FROM backup_volume v JOIN operator o ON o.id = v.operator_id WHERE v.id = ANY($1::uuid[])
    ORDER BY v.id FOR UPDATE OF v;

-- backups.servicePlace
SELECT s.id, s.deployment_id AS "deploymentId", d.operator_id AS "operatorId", o.provider_id AS "providerId"
     FROM service s JOIN deployment d ON d.id = s.deployment_id JOIN operator o ON o.id = d.operator_id
    WHERE s.id = $1 FOR SHARE OF s;

-- backups.serviceType
SELECT id FROM service_type WHERE slug = $1;

-- backups.snapshotsByVolume
SELECT c.* FROM unnest($1::uuid[]) AS p(id) CROSS JOIN LATERAL (
     SELECT t.volume_id AS "volumeId", t.guid, t.name, t.taken_at AS "takenAt", t.size_bytes::float8 AS "sizeBytes",
            t.held_at AS "heldAt", t.destroyed_at AS "destroyedAt", t.observed_at AS "observedAt"
       FROM backup_snapshot t WHERE t.volume_id = p.id ORDER BY t.taken_at DESC, t.guid LIMIT 100) c;

-- backups.target.bumpDeployments
UPDATE deployment d SET staged_generation = staged_generation + 1, updated_at = now()
    WHERE d.operator_id IN (SELECT id FROM operator WHERE provider_id = $1);

-- backups.target.upsert
INSERT INTO backup_target (provider_id, name, kind, endpoint, location, secret_ref, host)
   VALUES ($1, $2, $3, $4, $5, $6, $7)
   ON CONFLICT (provider_id, name) DO UPDATE SET kind = EXCLUDED.kind, endpoint = EXCLUDED.endpoint,
     location = EXCLUDED.location, secret_ref = EXCLUDED.secret_ref, host = EXCLUDED.host, updated_at = now()
   RETURNING id, provider_id AS "providerId", name, kind, endpoint, location, secret_ref AS "secretRef", host;

-- backups.targetById
SELECT t.id, t.provider_id AS "providerId", t.name, t.kind, t.endpoint, t.location, t.secret_ref AS "secretRef",
          t.host FROM backup_target t WHERE t.id = ANY($1::uuid[]){{scope}};

-- backups.volume.upsert
INSERT INTO backup_volume (service_id, operator_id, kind, name, host) VALUES ($1, $2, $3, $4, $5)
   ON CONFLICT (service_id, kind, name) DO UPDATE SET host = EXCLUDED.host, updated_at = now()
   RETURNING id, service_id AS "serviceId", operator_id AS "operatorId", kind, name, host,
     last_snapshot_at AS "lastSnapshotAt";

-- backups.volumeById
SELECT t.id, t.service_id AS "serviceId", t.operator_id AS "operatorId", t.kind, t.name, t.host,
  t.last_snapshot_at AS "lastSnapshotAt",
  (SELECT provider_id FROM operator WHERE id = t.operator_id) AS "providerId" FROM backup_volume t WHERE t.id = ANY($1::uuid[]){{scope}};

-- backups.volumePlace
SELECT v.id, v.service_id AS "serviceId", v.operator_id AS "operatorId", o.provider_id AS "providerId",
          v.kind, v.name, v.host
     FROM backup_volume v JOIN operator o ON o.id = v.operator_id WHERE v.id = $1;

-- backups.volumesByService
SELECT t.id, t.service_id AS "serviceId", t.operator_id AS "operatorId", t.kind, t.name, t.host,
  t.last_snapshot_at AS "lastSnapshotAt",
  (SELECT provider_id FROM operator WHERE id = t.operator_id) AS "providerId" FROM backup_volume t WHERE t.service_id = ANY($1::uuid[]){{scope}} ORDER BY t.kind, t.name;
