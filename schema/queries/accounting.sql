-- Generated from the code by `npm run sql:emit`; do not edit.

-- accounting.chainHeads
SELECT c.chain, c.seq::text AS seq, c.head_hash AS "headHash",
              to_char(c.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt",
              (SELECT row_to_json(x) FROM (SELECT k.chain, k.seq::text AS seq, k.head_hash AS "headHash",
  to_char(k.signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "signedAt",
  k.key_id AS "keyId", k.number::text AS number, k.prev_checkpoint_hash AS "prevCheckpointHash",
  k.version, k.signature FROM accounting_checkpoint k
                 WHERE k.chain = c.chain ORDER BY k.seq DESC, k.id DESC LIMIT 1) x) AS checkpoint,
              o.provider_id AS "providerId"
         FROM accounting_chain c LEFT JOIN operator o ON o.id::text = c.chain ORDER BY c.chain = 'provider' DESC, c.chain;

-- accounting.checkpoint.between
SELECT k.chain, k.seq::text AS seq, k.head_hash AS "headHash",
  to_char(k.signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "signedAt",
  k.key_id AS "keyId", k.number::text AS number, k.prev_checkpoint_hash AS "prevCheckpointHash",
  k.version, k.signature FROM accounting_checkpoint k
      WHERE k.chain = $1 AND k.seq BETWEEN $2 AND $3 ORDER BY k.seq, k.id;

-- accounting.checkpoint.due
SELECT coalesce(max(signed_at) <= now() - $1 * interval '1 millisecond', true) AS due
           FROM accounting_checkpoint;

-- accounting.checkpoint.heads
SELECT c.chain, c.seq::text AS seq, c.head_hash AS "headHash",
              (SELECT row_to_json(x) FROM (SELECT k.chain, k.seq::text AS seq, k.head_hash AS "headHash",
  to_char(k.signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "signedAt",
  k.key_id AS "keyId", k.number::text AS number, k.prev_checkpoint_hash AS "prevCheckpointHash",
  k.version, k.signature FROM accounting_checkpoint k
                 WHERE k.chain = c.chain ORDER BY k.number DESC LIMIT 1) x) AS last
         FROM accounting_chain c
        WHERE NOT EXISTS (SELECT 1 FROM accounting_checkpoint k WHERE k.chain = c.chain AND k.seq >= c.seq)
        ORDER BY c.chain;

-- accounting.checkpoint.insert
INSERT INTO accounting_checkpoint
           (chain, seq, head_hash, signed_at, key_id, signature, number, prev_checkpoint_hash, version)
         SELECT c, s, h, $4::timestamptz, $5, sig, n, p, $9
           FROM unnest($1::text[], $2::bigint[], $3::text[], $6::text[], $7::bigint[], $8::text[])
                AS t(c, s, h, sig, n, p);

-- accounting.checkpoint.lock
SELECT pg_try_advisory_xact_lock(hashtext('fedicentral_accounting_checkpoint')) AS ok;

-- accounting.event.insert
INSERT INTO accounting_event (event_type, action, outcome, initiator, target_kind, target_id, operator_id,
                                   reason, request_id, observer, changes)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11);

-- accounting.events.count
SELECT count(*)::int AS n FROM accounting_event e LEFT JOIN accounting_seal s ON s.event_id = e.id {{where}};

-- accounting.events.page
SELECT e.id::text AS id,
  to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "occurredAt", e.event_type AS "eventType", e.action, e.outcome,
  e.initiator, e.target_kind AS "targetKind", e.target_id AS "targetId", e.operator_id AS "operatorId",
  e.observer, e.reason, e.request_id AS "requestId", e.changes, coalesce(e.operator_id::text, 'provider') AS chain, s.seq::text AS seq, s.prev_hash AS "prevHash", s.hash FROM accounting_event e LEFT JOIN accounting_seal s ON s.event_id = e.id {{where}}
     ORDER BY {{orderBy}} LIMIT {{limit}};

-- accounting.export.chainLines
COPY (
    SELECT line FROM (
      SELECT s.seq, 0 AS kind, 0::bigint AS id, '{"type":' || '"event"' || ',"chain":' || coalesce(to_json(s.chain)::text, 'null') || ',"seq":' || s.seq::text || ',"prevHash":' || coalesce(to_json(s.prev_hash)::text, 'null') || ',"hash":' || coalesce(to_json(s.hash)::text, 'null') || ',"id":' || coalesce(to_json(e.id::text)::text, 'null') || ',"occurredAt":' || coalesce(to_json(to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text, 'null') || ',"eventType":' || coalesce(to_json(e.event_type)::text, 'null') || ',"action":' || coalesce(to_json(e.action)::text, 'null') || ',"outcome":' || coalesce(to_json(e.outcome)::text, 'null') || ',"initiator":' || coalesce(e.initiator::text, 'null') || ',"targetKind":' || coalesce(to_json(e.target_kind)::text, 'null') || ',"targetId":' || coalesce(to_json(e.target_id)::text, 'null') || ',"operatorId":' || coalesce(to_json(e.operator_id)::text, 'null') || ',"observer":' || coalesce(to_json(e.observer)::text, 'null') || ',"reason":' || coalesce(to_json(e.reason)::text, 'null') || ',"requestId":' || coalesce(to_json(e.request_id)::text, 'null') || ',"changes":' || coalesce(e.changes::text, 'null') || '}' AS line
        FROM accounting_seal s JOIN accounting_event e ON e.id = s.event_id
       WHERE s.chain = {{chain}} AND s.seq {{between}}
      UNION ALL
      SELECT k.seq, 1, k.id, '{"type":' || '"checkpoint"' || ',"chain":' || coalesce(to_json(k.chain)::text, 'null') || ',"seq":' || k.seq::text || ',"headHash":' || coalesce(to_json(k.head_hash)::text, 'null') || ',"signedAt":' || coalesce(to_json(to_char(k.signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text, 'null') || ',"keyId":' || coalesce(to_json(k.key_id)::text, 'null') || ',"number":' || k.number::text || ',"prevCheckpointHash":' || coalesce(to_json(k.prev_checkpoint_hash)::text, 'null') || ',"version":' || k.version::text || ',"signature":' || coalesce(to_json(k.signature)::text, 'null') || '}'
        FROM accounting_checkpoint k WHERE k.chain = {{chain}} AND k.seq {{between}}
    ) l ORDER BY seq, kind, id
  ) TO STDOUT WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02');

-- accounting.export.chainRecords
SELECT s.chain, s.seq::text AS seq, s.prev_hash AS "prevHash", s.hash, e.id::text AS id,
  to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "occurredAt", e.event_type AS "eventType", e.action, e.outcome,
  e.initiator::text AS initiator, e.target_kind AS "targetKind", e.target_id AS "targetId", e.operator_id AS "operatorId",
  e.observer, e.reason, e.request_id AS "requestId", e.changes::text AS changes
       FROM accounting_seal s JOIN accounting_event e ON e.id = s.event_id
      WHERE s.chain = $1 AND s.seq BETWEEN $2 AND $3 ORDER BY s.seq;

-- accounting.export.chainStretches
SELECT s.chain, min(s.seq)::text AS "fromSeq", max(s.seq)::text AS "toSeq"
         FROM accounting_event e JOIN accounting_seal s ON s.event_id = e.id
        WHERE {{conditions}} GROUP BY s.chain ORDER BY s.chain;

-- accounting.export.preferIndexes
SET LOCAL random_page_cost = 1.1;

-- accounting.export.wholeChains
SELECT chain, '1' AS "fromSeq", seq::text AS "toSeq" FROM accounting_chain
        {{where}} ORDER BY chain;

-- accounting.failureTally.anyClosed
SELECT EXISTS (SELECT 1 FROM accounting_failure_tally WHERE window_end <= COALESCE($1::timestamptz, now() - make_interval(secs => 2))) AS any;

-- accounting.failureTally.count
UPDATE accounting_failure_tally SET attempts = LEAST(attempts, 2147483646) + 1 WHERE window_start = to_timestamp(floor(extract(epoch FROM clock_timestamp()) / $6::int) * $6::int) AND source = CASE WHEN $1::inet IS NULL THEN 'unknown'
        WHEN family($1::inet) = 6 THEN network(set_masklen($1::inet, 64))::text
        ELSE host($1::inet) END AND action = $2 AND target_kind = $3 AND target_id = $4 AND reason = $5;

-- accounting.failureTally.insert
WITH w AS (SELECT to_timestamp(floor(extract(epoch FROM clock_timestamp()) / $6::int) * $6::int) AS start),
              own AS (SELECT EXISTS (SELECT 1 FROM accounting_failure_tally, w WHERE window_start = w.start AND source = CASE WHEN $1::inet IS NULL THEN 'unknown'
        WHEN family($1::inet) = 6 THEN network(set_masklen($1::inet, 64))::text
        ELSE host($1::inet) END AND action = $2 AND target_kind = $3 AND target_id = $4 AND reason = $5)
                          OR (SELECT count(*) FROM accounting_failure_tally, w
                               WHERE window_start = w.start AND source <> 'other sources') < $7 AS yes)
         INSERT INTO accounting_failure_tally AS t
                (window_start, window_end, source, action, target_kind, target_id, reason, user_agent, request_id)
         SELECT w.start, w.start + make_interval(secs => $6::int),
                CASE WHEN own.yes THEN CASE WHEN $1::inet IS NULL THEN 'unknown'
        WHEN family($1::inet) = 6 THEN network(set_masklen($1::inet, 64))::text
        ELSE host($1::inet) END ELSE 'other sources' END,
                $2, $3, CASE WHEN own.yes THEN $4 ELSE '' END, $5, $8, $9
           FROM w, own
         ON CONFLICT (window_start, source, action, target_kind, target_id, reason)
         DO UPDATE SET attempts = LEAST(t.attempts, 2147483646) + 1;

-- accounting.failureTally.lock
SELECT pg_advisory_xact_lock(hashtext('accounting_failure_tally'));

-- accounting.failureTally.takeClosed
DELETE FROM accounting_failure_tally WHERE window_end <= COALESCE($1::timestamptz, now() - make_interval(secs => 2))
       RETURNING window_start AS "windowStart", window_end AS "windowEnd", source, action,
                 target_kind AS "targetKind", target_id AS "targetId", reason, attempts,
                 user_agent AS "userAgent", request_id AS "requestId";

-- accounting.http.operatorExists
SELECT 1 FROM operator WHERE id = $1;

-- accounting.providerOfOperator
SELECT provider_id AS "providerId" FROM operator WHERE id = $1;

-- accounting.sealer.batch
SELECT e.id::text AS id,
  to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "occurredAt", e.event_type AS "eventType", e.action, e.outcome,
  e.initiator, e.target_kind AS "targetKind", e.target_id AS "targetId", e.operator_id AS "operatorId",
  e.observer, e.reason, e.request_id AS "requestId", e.changes, coalesce(e.operator_id::text, 'provider') AS chain, e.xact_id::text AS "xactId",
            h.seq::text AS "headSeq", h.head_hash AS "headHash"
       FROM (SELECT * FROM accounting_event e
              WHERE (e.xact_id, e.id) > ($1::bigint, $2::bigint) AND e.xact_id < $3::bigint
              ORDER BY e.xact_id, e.id LIMIT {{limit}}) e
       LEFT JOIN accounting_chain h ON h.chain = coalesce(e.operator_id::text, 'provider')
      ORDER BY e.xact_id, e.id;

-- accounting.sealer.cursor
SELECT c.xact_id::text AS "xactId", c.event_id::text AS "eventId",
            pg_snapshot_xmin(s)::text AS xmin, pg_snapshot_xmax(s)::text AS xmax,
            (SELECT rolsuper OR pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER')
               FROM pg_roles WHERE rolname = current_user) AS "seesAll"
       FROM accounting_seal_cursor c, pg_current_snapshot() s
      WHERE c.id = 1 FOR UPDATE OF c SKIP LOCKED;

-- accounting.sealer.cursorPosition
SELECT xact_id::text AS "xactId", event_id::text AS "eventId" FROM accounting_seal_cursor WHERE id = 1;

-- accounting.sealer.pending
SELECT EXISTS (SELECT 1 FROM accounting_seal_cursor c,
                           (SELECT xact_id, id FROM accounting_event ORDER BY xact_id DESC, id DESC LIMIT 1) e
                     WHERE c.id = 1 AND (e.xact_id, e.id) > (c.xact_id, c.event_id)) AS any;

-- accounting.sealer.runningXids
SELECT backend_xid::text AS xid FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL;

-- accounting.sealer.seal
WITH seals AS (
       INSERT INTO accounting_seal (event_id, chain, seq, prev_hash, hash)
       SELECT e, c, s, p, h FROM json_to_recordset($1::json) AS t(e bigint, c text, s bigint, p text, h text)),
     heads AS (
       INSERT INTO accounting_chain (chain, seq, head_hash, updated_at)
       SELECT c, s, h, now() FROM json_to_recordset($2::json) AS t(c text, s bigint, h text)
       ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, head_hash = excluded.head_hash, updated_at = now())
     UPDATE accounting_seal_cursor SET xact_id = $3::bigint, event_id = $4::bigint, updated_at = now() WHERE id = 1;

-- accounting.sealer.unsealed
SELECT coalesce(e.operator_id::text, 'provider') AS chain, count(*)::int AS count, to_char(min(e.occurred_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS oldest
       FROM accounting_event e
      WHERE (e.xact_id, e.id) > ($1::bigint, $2::bigint) {{chain}}
      GROUP BY 1;

-- accounting.signingKey.active
SELECT key_id AS "keyId", encrypted_private_key AS sealed FROM accounting_signing_key WHERE active;

-- accounting.signingKey.activeForRotation
SELECT key_id AS "keyId", encrypted_private_key AS sealed FROM accounting_signing_key WHERE active;

-- accounting.signingKey.insert
INSERT INTO accounting_signing_key (key_id, public_key, encrypted_private_key, active)
       VALUES ($1, $2, $3, true);

-- accounting.signingKey.list
SELECT key_id AS "keyId", public_key AS "publicKey", encrypted_private_key AS sealed, active,
            to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt",
            to_char(retired_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "retiredAt"
       FROM accounting_signing_key ORDER BY active DESC, created_at DESC;

-- accounting.signingKey.lock
SELECT pg_advisory_xact_lock(hashtext('fedicentral_accounting_signing_key'));

-- accounting.signingKey.retire
UPDATE accounting_signing_key SET active = false, retired_at = now() WHERE active RETURNING key_id AS "keyId";

-- accounting.snapshot.begin
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;

-- accounting.snapshot.end
ROLLBACK;

-- accounting.usage.closeBackup
WITH now_ AS (SELECT v.id AS volume_id, v.service_id, v.operator_id, t.slug AS service_type,
         coalesce(sum(s.size_bytes) FILTER (WHERE s.destroyed_at IS NULL), 0) AS snapshot_bytes,
         coalesce(sum(s.size_bytes * cardinality(array_remove(s.held_at, 'source')))
                    FILTER (WHERE s.destroyed_at IS NULL), 0) AS replica_bytes
    FROM backup_volume v JOIN service sv ON sv.id = v.service_id JOIN service_type t ON t.id = sv.service_type_id
    LEFT JOIN backup_snapshot s ON s.volume_id = v.id
   WHERE v.id = ANY($1::uuid[])
   GROUP BY v.id, t.slug), closed AS (
       UPDATE usage_backup u SET valid_to = greatest(clock_timestamp(), u.valid_from)
        WHERE u.volume_id = ANY($1::uuid[]) AND u.valid_to IS NULL
          AND NOT EXISTS (SELECT 1 FROM now_ n WHERE n.volume_id = u.volume_id
                            AND n.snapshot_bytes = u.snapshot_bytes AND n.replica_bytes = u.replica_bytes)
        RETURNING u.volume_id, u.valid_to)
     SELECT volume_id AS "volumeId", to_char(valid_to AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at FROM closed;

-- accounting.usage.closeDeploymentServices
UPDATE usage_service SET disabled_at = greatest(clock_timestamp(), enabled_from)
      WHERE deployment_id = $1 AND disabled_at IS NULL;

-- accounting.usage.closeDeploymentStorage
UPDATE usage_storage SET valid_to = greatest(clock_timestamp(), valid_from)
      WHERE deployment_id = $1 AND valid_to IS NULL;

-- accounting.usage.closeQuota
WITH closed AS (
       UPDATE usage_quota u SET valid_to = greatest(clock_timestamp(), u.valid_from)
         FROM operator o
        WHERE u.operator_id = $1 AND u.valid_to IS NULL AND o.id = u.operator_id
          AND (u.storage_gib, u.vcpus, u.memory_gib)
              IS DISTINCT FROM (o.quota_storage_gib, o.quota_vcpus, o.quota_memory_gib)
        RETURNING u.valid_to)
     SELECT to_char(valid_to AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at FROM closed;

-- accounting.usage.closeServices
UPDATE usage_service u SET disabled_at = greatest(clock_timestamp(), u.enabled_from)
      WHERE u.service_id = ANY($1::uuid[]) AND u.disabled_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM service s WHERE s.id = u.service_id AND s.enabled);

-- accounting.usage.closeStorage
WITH closed AS (
       UPDATE usage_storage u SET valid_to = greatest(clock_timestamp(), u.valid_from)
        WHERE u.service_id = ANY($1::uuid[]) AND u.valid_to IS NULL
          AND NOT EXISTS (SELECT 1 FROM service s WHERE s.id = u.service_id
                            AND s.block_storage_gib = u.block_storage_gib AND s.blob_storage_gib = u.blob_storage_gib)
        RETURNING u.service_id, u.valid_to)
     SELECT service_id AS "serviceId", to_char(valid_to AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at FROM closed;

-- accounting.usage.openBackup
WITH now_ AS (SELECT v.id AS volume_id, v.service_id, v.operator_id, t.slug AS service_type,
         coalesce(sum(s.size_bytes) FILTER (WHERE s.destroyed_at IS NULL), 0) AS snapshot_bytes,
         coalesce(sum(s.size_bytes * cardinality(array_remove(s.held_at, 'source')))
                    FILTER (WHERE s.destroyed_at IS NULL), 0) AS replica_bytes
    FROM backup_volume v JOIN service sv ON sv.id = v.service_id JOIN service_type t ON t.id = sv.service_type_id
    LEFT JOIN backup_snapshot s ON s.volume_id = v.id
   WHERE v.id = ANY($1::uuid[])
   GROUP BY v.id, t.slug)
   INSERT INTO usage_backup (volume_id, service_id, operator_id, service_type, snapshot_bytes, replica_bytes, valid_from)
     SELECT n.volume_id, n.service_id, n.operator_id, n.service_type, n.snapshot_bytes, n.replica_bytes,
            coalesce(c.at, clock_timestamp())
       FROM now_ n LEFT JOIN unnest($2::uuid[], $3::timestamptz[]) AS c(volume_id, at) ON c.volume_id = n.volume_id
      WHERE (n.snapshot_bytes > 0 OR n.replica_bytes > 0)
        AND NOT EXISTS (SELECT 1 FROM usage_backup u WHERE u.volume_id = n.volume_id AND u.valid_to IS NULL);

-- accounting.usage.openQuota
INSERT INTO usage_quota (operator_id, storage_gib, vcpus, memory_gib, valid_from)
     SELECT o.id, o.quota_storage_gib, o.quota_vcpus, o.quota_memory_gib, coalesce($2::timestamptz, clock_timestamp())
       FROM operator o
      WHERE o.id = $1 AND NOT EXISTS (SELECT 1 FROM usage_quota u WHERE u.operator_id = o.id AND u.valid_to IS NULL);

-- accounting.usage.openServices
INSERT INTO usage_service (service_id, deployment_id, operator_id, service_type, enabled_from)
     SELECT s.id, s.deployment_id, d.operator_id, t.slug, clock_timestamp()
       FROM service s JOIN deployment d ON d.id = s.deployment_id JOIN service_type t ON t.id = s.service_type_id
      WHERE s.id = ANY($1::uuid[]) AND s.enabled
        AND NOT EXISTS (SELECT 1 FROM usage_service u WHERE u.service_id = s.id AND u.disabled_at IS NULL);

-- accounting.usage.openStorage
INSERT INTO usage_storage (service_id, deployment_id, operator_id, service_type, block_storage_gib,
                                blob_storage_gib, valid_from)
     SELECT s.id, s.deployment_id, d.operator_id, t.slug, s.block_storage_gib, s.blob_storage_gib,
            coalesce(c.at, clock_timestamp())
       FROM service s JOIN deployment d ON d.id = s.deployment_id JOIN service_type t ON t.id = s.service_type_id
       LEFT JOIN unnest($2::uuid[], $3::timestamptz[]) AS c(service_id, at) ON c.service_id = s.id
      WHERE s.id = ANY($1::uuid[])
        AND NOT EXISTS (SELECT 1 FROM usage_storage u WHERE u.service_id = s.id AND u.valid_to IS NULL);

-- accounting.usageReport.outcomes
SELECT outcome, count(*)::int AS n FROM accounting_event
      WHERE operator_id = $1 AND occurred_at >= $2 AND occurred_at < $3
        AND action IN ('apply', 'restore') AND target_kind = 'run' AND outcome IN ('success', 'failure')
      GROUP BY outcome;

-- accounting.usageReport.quota
SELECT coalesce(sum(storage_gib * secs), 0) / 3600 AS storage, coalesce(sum(vcpus * secs), 0) / 3600 AS vcpus,
            coalesce(sum(memory_gib * secs), 0) / 3600 AS memory
       FROM (SELECT storage_gib, vcpus, memory_gib, extract(epoch FROM least(coalesce(valid_to, now()), $3::timestamptz) - greatest(valid_from, $2::timestamptz)) AS secs
               FROM usage_quota
              WHERE operator_id = $1 AND valid_from < $3 AND (valid_to IS NULL OR valid_to > $2)) q
      WHERE secs > 0;

-- accounting.usageReport.services
WITH enabled AS (
       SELECT service_type AS type, sum(secs) / 86400 AS days
         FROM (SELECT service_type, extract(epoch FROM least(coalesce(disabled_at, now()), $3::timestamptz) - greatest(enabled_from, $2::timestamptz)) AS secs FROM usage_service
                WHERE operator_id = $1 AND enabled_from < $3 AND (disabled_at IS NULL OR disabled_at > $2)) e
        WHERE secs > 0 GROUP BY service_type),
     storage AS (
       SELECT service_type AS type, sum(block_storage_gib * secs) / 3600 AS block, sum(blob_storage_gib * secs) / 3600 AS blob
         FROM (SELECT service_type, block_storage_gib, blob_storage_gib, extract(epoch FROM least(coalesce(valid_to, now()), $3::timestamptz) - greatest(valid_from, $2::timestamptz)) AS secs
                 FROM usage_storage
                WHERE operator_id = $1 AND valid_from < $3 AND (valid_to IS NULL OR valid_to > $2)) s
        WHERE secs > 0 GROUP BY service_type),
     backup AS (
       SELECT service_type AS type, sum(snapshot_bytes * secs) / 3600 / 1073741824 AS snapshots,
              sum(replica_bytes * secs) / 3600 / 1073741824 AS replicas
         FROM (SELECT service_type, snapshot_bytes, replica_bytes, extract(epoch FROM least(coalesce(valid_to, now()), $3::timestamptz) - greatest(valid_from, $2::timestamptz)) AS secs
                 FROM usage_backup
                WHERE operator_id = $1 AND valid_from < $3 AND (valid_to IS NULL OR valid_to > $2)) b
        WHERE secs > 0 GROUP BY service_type)
     SELECT coalesce(e.type, s.type, b.type) AS type, coalesce(e.days, 0) AS days, coalesce(s.block, 0) AS block,
            coalesce(s.blob, 0) AS blob, coalesce(b.snapshots, 0) AS snapshots, coalesce(b.replicas, 0) AS replicas
       FROM enabled e FULL JOIN storage s ON s.type = e.type FULL JOIN backup b ON b.type = coalesce(e.type, s.type)
      ORDER BY 1;

-- accounting.verify.chainHead
SELECT seq::text AS seq FROM accounting_chain WHERE chain = $1;

-- accounting.verify.checkpointBefore
SELECT k.chain, k.seq::text AS seq, k.head_hash AS "headHash",
  to_char(k.signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "signedAt",
  k.key_id AS "keyId", k.number::text AS number, k.prev_checkpoint_hash AS "prevCheckpointHash",
  k.version, k.signature FROM accounting_checkpoint k
            WHERE k.chain = $1 AND k.seq < $2 ORDER BY k.number DESC LIMIT 1;

-- accounting.verify.records
SELECT s.chain, s.seq::text AS seq, s.prev_hash AS "prevHash", s.hash, e.id::text AS id,
  to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "occurredAt", e.event_type AS "eventType", e.action, e.outcome,
  e.initiator, e.target_kind AS "targetKind", e.target_id AS "targetId", e.operator_id AS "operatorId",
  e.observer, e.reason, e.request_id AS "requestId", e.changes
           FROM accounting_seal s LEFT JOIN accounting_event e ON e.id = s.event_id
          WHERE s.chain = $1 AND s.seq BETWEEN $2 AND $3 ORDER BY s.seq;

-- accounting.verify.sealHash
SELECT hash FROM accounting_seal WHERE chain = $1 AND seq = $2;
