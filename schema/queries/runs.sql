-- Generated from the code by `npm run sql:emit`; do not edit.

-- runs.byId
SELECT t.id, t.seq, t.deployment_id AS "deploymentId", t.action, t.state, t.generation,
  t.config_hash AS "configHash", t.initiator, t.request_id AS "requestId", t.queued_at AS "queuedAt",
  t.started_at AS "startedAt", t.cancel_requested_at AS "cancelRequestedAt", t.finished_at AS "finishedAt",
  t.heartbeat_at AS "heartbeatAt", t.exit_code AS "exitCode", t.signal, t.reason,
  t.log_omitted_bytes AS "logOmittedBytes" FROM run t WHERE t.id = ANY($1::uuid[]){{scope}};

-- runs.configById
SELECT t.id, t.config FROM run t WHERE t.id = ANY($1::uuid[]){{scope}};

-- runs.count
SELECT count(*)::int AS n FROM run t {{where}};

-- runs.dirs.live
SELECT id::text AS id FROM run WHERE id = ANY($1::uuid[])
       AND (state = 'queued' OR state = ANY($2::text[])
            OR finished_at >= now() - $3 * interval '1 millisecond');

-- runs.enqueue.byIdempotencyKey
SELECT id, config_hash AS "configHash" FROM run WHERE deployment_id = $1 AND idempotency_key = $2;

-- runs.enqueue.insert
INSERT INTO run (deployment_id, action, state, config, config_hash, generation, initiator, request_id, idempotency_key)
     VALUES ($1, $8, 'queued', $2, $3, $4, $5, $6, $7) RETURNING id;

-- runs.events.chunks
SELECT seq, "offset", stream, length(data) AS size, encode(data, 'base64') AS base64
  FROM (SELECT seq, byte_offset AS "offset", stream, data FROM run_log_chunk
         WHERE run_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3) c
  ORDER BY seq;

-- runs.events.firstSeq
SELECT seq FROM run_log_chunk WHERE run_id = $1 AND byte_offset <= $2 ORDER BY seq DESC LIMIT 1;

-- runs.events.run
SELECT t.id, t.seq, t.deployment_id AS "deploymentId", t.action, t.state, t.generation,
  t.config_hash AS "configHash", t.initiator, t.request_id AS "requestId", t.queued_at AS "queuedAt",
  t.started_at AS "startedAt", t.cancel_requested_at AS "cancelRequestedAt", t.finished_at AS "finishedAt",
  t.heartbeat_at AS "heartbeatAt", t.exit_code AS "exitCode", t.signal, t.reason,
  t.log_omitted_bytes AS "logOmittedBytes" FROM run t WHERE t.id = $1;

-- runs.lastByDeployment
SELECT DISTINCT ON (t.deployment_id) t.id, t.seq, t.deployment_id AS "deploymentId", t.action, t.state, t.generation,
  t.config_hash AS "configHash", t.initiator, t.request_id AS "requestId", t.queued_at AS "queuedAt",
  t.started_at AS "startedAt", t.cancel_requested_at AS "cancelRequestedAt", t.finished_at AS "finishedAt",
  t.heartbeat_at AS "heartbeatAt", t.exit_code AS "exitCode", t.signal, t.reason,
  t.log_omitted_bytes AS "logOmittedBytes" FROM run t
          WHERE t.deployment_id = ANY($1::uuid[]){{scope}}
          ORDER BY t.deployment_id, t.seq DESC;

-- runs.log.insertChunks
INSERT INTO run_log_chunk (run_id, seq, byte_offset, stream, data) VALUES {{rows}};

-- runs.log.omitted
UPDATE run SET log_omitted_bytes = $2 WHERE id = $1;

-- runs.log.size
SELECT coalesce(max(byte_offset + octet_length(data)), 0) AS size FROM run_log_chunk WHERE run_id = $1;

-- runs.log.slice
SELECT byte_offset AS "offset", data FROM run_log_chunk
        WHERE run_id = $1 AND byte_offset < $3 AND byte_offset + octet_length(data) > $2 ORDER BY seq;

-- runs.log.stderrPage
SELECT seq, data FROM run_log_chunk WHERE run_id = $1 AND stream = 'stderr' AND seq > $2
        ORDER BY seq LIMIT 16;

-- runs.metrics.byState
SELECT state, count(*)::int AS n FROM run WHERE state = ANY($1::text[]) GROUP BY state;

-- runs.metrics.oldestQueued
SELECT extract(epoch FROM now() - min(queued_at))::float8 AS s FROM run WHERE state = 'queued';

-- runs.page
SELECT t.id, t.seq, t.deployment_id AS "deploymentId", t.action, t.state, t.generation,
  t.config_hash AS "configHash", t.initiator, t.request_id AS "requestId", t.queued_at AS "queuedAt",
  t.started_at AS "startedAt", t.cancel_requested_at AS "cancelRequestedAt", t.finished_at AS "finishedAt",
  t.heartbeat_at AS "heartbeatAt", t.exit_code AS "exitCode", t.signal, t.reason,
  t.log_omitted_bytes AS "logOmittedBytes" FROM run t {{where}}
       ORDER BY {{orderBy}} LIMIT {{limit}};

-- runs.placeOfDeployment
SELECT d.operator_id AS "operatorId", o.provider_id AS "providerId"
           FROM deployment d JOIN operator o ON o.id = d.operator_id WHERE d.id = $1 FOR SHARE OF d;

-- runs.placeOfRun
SELECT r.state, r.action, d.operator_id AS "operatorId", o.provider_id AS "providerId"
           FROM run r JOIN deployment d ON d.id = r.deployment_id JOIN operator o ON o.id = d.operator_id
          WHERE r.id = $1 FOR UPDATE OF r;

-- runs.transition.byId
 UPDATE run r SET {{set}} FROM deployment d 
      WHERE r.id = $1 AND d.id = r.deployment_id AND {{guards}}
      RETURNING r.id, r.deployment_id AS "deploymentId", r.state, r.generation, r.config, r.action,
        d.operator_id AS "operatorId", d.name AS "deploymentName";

-- runs.transition.picked
WITH picked AS ({{pick}}) UPDATE run r SET {{set}} FROM deployment d , picked
      WHERE r.id = picked.id AND d.id = r.deployment_id AND {{guards}}
      RETURNING r.id, r.deployment_id AS "deploymentId", r.state, r.generation, r.config, r.action,
        d.operator_id AS "operatorId", d.name AS "deploymentName";

-- runs.worker.deployed
UPDATE deployment d SET deployed_config = r.config - 'restore', deployed_generation = r.generation,
                  deployed_at = r.finished_at, updated_at = now()
             FROM run r WHERE r.id = $1 AND d.id = r.deployment_id;

-- runs.worker.heartbeat
UPDATE run SET heartbeat_at = now()
            WHERE id = ANY($1::uuid[]) AND worker_id = $2 AND state = ANY($3::text[]) RETURNING id, state;

-- runs.worker.ownRuns
SELECT id, state FROM run WHERE id = ANY($1::uuid[]) AND worker_id = $2 AND state = ANY($3::text[]);

-- runs.worker.pickQueued
SELECT q.id FROM run q
            WHERE q.state = 'queued'
              AND NOT EXISTS (SELECT 1 FROM run a WHERE a.deployment_id = q.deployment_id
                                AND a.state = ANY($1::text[]))
              AND NOT EXISTS (SELECT 1 FROM run o WHERE o.deployment_id = q.deployment_id
                                AND o.state = 'queued' AND o.seq < q.seq)
            ORDER BY q.seq LIMIT 1
            FOR UPDATE OF q SKIP LOCKED;

-- runs.worker.stale
SELECT id FROM run WHERE state = ANY($1::text[]) AND heartbeat_at < now() - $2 * interval '1 millisecond';
