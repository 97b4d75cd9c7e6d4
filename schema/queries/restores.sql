-- Generated from the code by `npm run sql:emit`; do not edit.

-- restores.approvalRequired
SELECT coalesce((SELECT approval_required FROM backup_restore_setting WHERE provider_id = $1), true) AS required;

-- restores.byId
SELECT t.id, t.seq, t.service_id AS "serviceId", t.deployment_id AS "deploymentId",
  t.operator_id AS "operatorId", t.volume_id AS "volumeId", t.snapshot_guid AS "snapshotGuid",
  t.point_in_time AS "pointInTime", t.state, t.note, t.requested_by AS "requestedBy", t.request_id AS "requestId",
  t.created_at AS "requestedAt", t.decided_by AS "decidedBy", t.decided_at AS "decidedAt",
  t.decision_reason AS "decisionReason", t.run_id AS "runId", v.kind AS "volumeKind", v.name AS "volumeName",
  s.name AS "snapshotName", s.taken_at AS "snapshotTakenAt", s.size_bytes AS "snapshotSizeBytes" FROM backup_restore t JOIN backup_volume v ON v.id = t.volume_id
  JOIN backup_snapshot s ON s.volume_id = t.volume_id AND s.guid = t.snapshot_guid WHERE t.id = ANY($1::uuid[]){{scope}};

-- restores.byIdempotencyKey
SELECT id, service_id AS "serviceId", volume_id AS "volumeId", snapshot_guid AS "snapshotGuid",
          point_in_time AS "pointInTime"
     FROM backup_restore WHERE deployment_id = $1 AND idempotency_key = $2;

-- restores.decide
UPDATE backup_restore SET state = $2, decided_by = $3, decided_at = now(), decision_reason = $4, run_id = $5,
          updated_at = now()
    WHERE id = $1 AND state = 'requested';

-- restores.forDecision
SELECT r.state, r.service_id AS "serviceId", r.deployment_id AS "deploymentId", r.operator_id AS "operatorId",
          o.provider_id AS "providerId", r.volume_id AS "volumeId", v.kind, v.name, v.host,
          s.guid, s.name AS "snapshotName", s.taken_at AS "takenAt", s.destroyed_at AS "destroyedAt"
     FROM backup_restore r JOIN deployment d ON d.id = r.deployment_id JOIN operator o ON o.id = r.operator_id
     JOIN backup_volume v ON v.id = r.volume_id
     JOIN backup_snapshot s ON s.volume_id = r.volume_id AND s.guid = r.snapshot_guid
    WHERE r.id = $1 FOR UPDATE OF r FOR SHARE OF d;

-- restores.insert
INSERT INTO backup_restore (service_id, deployment_id, operator_id, volume_id, snapshot_guid, point_in_time,
                               note, requested_by, request_id, idempotency_key)
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id;

-- restores.list.count
SELECT count(*)::int AS n FROM backup_restore t JOIN backup_volume v ON v.id = t.volume_id
  JOIN backup_snapshot s ON s.volume_id = t.volume_id AND s.guid = t.snapshot_guid {{where}};

-- restores.list.page
SELECT t.id, t.seq, t.service_id AS "serviceId", t.deployment_id AS "deploymentId",
  t.operator_id AS "operatorId", t.volume_id AS "volumeId", t.snapshot_guid AS "snapshotGuid",
  t.point_in_time AS "pointInTime", t.state, t.note, t.requested_by AS "requestedBy", t.request_id AS "requestId",
  t.created_at AS "requestedAt", t.decided_by AS "decidedBy", t.decided_at AS "decidedAt",
  t.decision_reason AS "decisionReason", t.run_id AS "runId", v.kind AS "volumeKind", v.name AS "volumeName",
  s.name AS "snapshotName", s.taken_at AS "snapshotTakenAt", s.size_bytes AS "snapshotSizeBytes" FROM backup_restore t JOIN backup_volume v ON v.id = t.volume_id
  JOIN backup_snapshot s ON s.volume_id = t.volume_id AND s.guid = t.snapshot_guid {{where}}
     ORDER BY {{orderBy}} LIMIT {{limit}};

-- restores.placeOfService
SELECT s.deployment_id AS "deploymentId", d.operator_id AS "operatorId", o.provider_id AS "providerId"
     FROM service s JOIN deployment d ON d.id = s.deployment_id JOIN operator o ON o.id = d.operator_id
    WHERE s.id = $1 FOR SHARE OF d;

-- restores.providerExists
SELECT 1 AS one FROM provider WHERE id = $1;

-- restores.snapshotChoices
SELECT DISTINCT ON (v.id) v.id AS "volumeId", s.guid
     FROM backup_volume v JOIN backup_snapshot s ON s.volume_id = v.id AND s.destroyed_at IS NULL
    WHERE v.service_id = $1 AND ($2::uuid IS NULL OR v.id = $2)
      AND CASE WHEN $3::text IS NOT NULL THEN s.guid = $3 ELSE s.taken_at <= $4::timestamptz END
    ORDER BY v.id, s.taken_at DESC, s.guid;

-- restores.upsertSetting
INSERT INTO backup_restore_setting AS x (provider_id, approval_required) VALUES ($1, $2)
   ON CONFLICT (provider_id) DO UPDATE SET approval_required = EXCLUDED.approval_required, updated_at = now()
   RETURNING (SELECT approval_required FROM backup_restore_setting WHERE provider_id = $1) AS before;
