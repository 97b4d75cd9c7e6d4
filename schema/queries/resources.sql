-- Generated from the code by `npm run sql:emit`; do not edit.

-- resources.desiredStateByDeployment
SELECT id, staged_generation AS staged, deployed_generation AS deployed,
                deployed_config -> 'services' AS services
           FROM deployment WHERE id = ANY($1::uuid[]);

-- resources.observed.deleteGone
DELETE FROM observed_resource o WHERE o.deployment_id = $1
              AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset($2::jsonb) AS r(kind text, name text)
                               WHERE r.kind = o.kind AND r.name = o.name);

-- resources.observed.upsert
INSERT INTO observed_resource
             (deployment_id, kind, name, service_id, status, outputs, generation, observed_at, reported_by)
           SELECT $1, r.kind, r.name, r.service_id, r.status, r.outputs, r.generation, r.observed_at, $3::jsonb
             FROM jsonb_to_recordset($2::jsonb) AS r(kind text, name text, service_id uuid, status text,
                  outputs jsonb, generation int, observed_at timestamptz)
           ON CONFLICT (deployment_id, kind, name) DO UPDATE SET
             service_id = EXCLUDED.service_id, status = EXCLUDED.status, outputs = EXCLUDED.outputs,
             generation = EXCLUDED.generation, observed_at = EXCLUDED.observed_at,
             reported_by = EXCLUDED.reported_by, updated_at = now()
           WHERE observed_resource.observed_at <= EXCLUDED.observed_at;

-- resources.observedByDeployment
SELECT t.id, t.deployment_id AS "deploymentId", t.kind, t.name, t.status, t.outputs, t.generation,
                t.observed_at AS "observedAt", t.updated_at AS "reportedAt", t.service_id AS "serviceId",
                (t.service_id IS NOT NULL AND s.id IS NULL) AS orphaned
           FROM observed_resource t
           LEFT JOIN service s ON s.id = t.service_id AND s.deployment_id = t.deployment_id
          WHERE t.deployment_id = ANY($1::uuid[]) ORDER BY t.kind, t.name;

-- resources.placeOfDeployment
SELECT d.operator_id AS "operatorId", o.provider_id AS "providerId"
           FROM deployment d JOIN operator o ON o.id = d.operator_id WHERE d.id = $1 FOR SHARE OF d;

-- resources.reportedDeploymentById
SELECT t.id, t.operator_id AS "operatorId", t.name, t.staged_generation AS "stagedGeneration", t.deployed_generation AS "deployedGeneration", to_char(t.deployed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "deployedAt", to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt", to_char(t.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt" FROM deployment t WHERE t.id = ANY($1::uuid[]){{scope}};
