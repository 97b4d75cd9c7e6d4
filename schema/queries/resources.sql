-- Generated from the code by `npm run sql:emit`; do not edit.

-- resources.desiredStateByDeployment
SELECT id, staged_generation AS staged, deployed_generation AS deployed,
                deployed_config -> 'services' AS services
           FROM deployment WHERE id = ANY($1::uuid[]);

-- resources.observedByDeployment
SELECT t.id, t.deployment_id AS "deploymentId", t.kind, t.name, t.status, t.outputs, t.generation,
                t.observed_at AS "observedAt", t.updated_at AS "reportedAt", t.service_id AS "serviceId",
                (t.service_id IS NOT NULL AND s.id IS NULL) AS orphaned
           FROM observed_resource t
           LEFT JOIN service s ON s.id = t.service_id AND s.deployment_id = t.deployment_id
          WHERE t.deployment_id = ANY($1::uuid[]) ORDER BY t.kind, t.name;
