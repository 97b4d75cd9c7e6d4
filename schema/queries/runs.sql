-- Generated from the code by `npm run sql:emit`; do not edit.

-- runs.byId
SELECT t.id, t.seq, t.deployment_id AS "deploymentId", t.action, t.state, t.generation,
  t.config_hash AS "configHash", t.initiator, t.request_id AS "requestId", t.queued_at AS "queuedAt",
  t.started_at AS "startedAt", t.cancel_requested_at AS "cancelRequestedAt", t.finished_at AS "finishedAt",
  t.heartbeat_at AS "heartbeatAt", t.exit_code AS "exitCode", t.signal, t.reason,
  t.log_omitted_bytes AS "logOmittedBytes" FROM run t;

-- runs.configById
SELECT t.id, t.config FROM run t;

-- runs.enqueue.byIdempotencyKey
SELECT id, config_hash AS "configHash" FROM run WHERE deployment_id = $1 AND idempotency_key = $2;

-- runs.enqueue.insert
INSERT INTO run (deployment_id, action, state, config, config_hash, generation, initiator, request_id, idempotency_key)
     VALUES ($1, 'apply', 'queued', $2, $3, $4, $5, $6, $7) RETURNING id;

-- runs.worker.deployed
UPDATE deployment d SET deployed_config = r.config, deployed_generation = r.generation,
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
