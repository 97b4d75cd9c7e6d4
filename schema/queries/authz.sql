-- Generated from the code by `npm run sql:emit`; do not edit.

-- authz.denialTarget.deployment
SELECT operator_id AS "operatorId" FROM deployment WHERE id = $1;

-- authz.denialTarget.operator
SELECT id AS "operatorId" FROM operator WHERE id = $1;

-- authz.denialTarget.run
SELECT d.operator_id AS "operatorId" FROM run r JOIN deployment d ON d.id = r.deployment_id WHERE r.id = $1;

-- authz.denialTarget.service
SELECT d.operator_id AS "operatorId" FROM service s JOIN deployment d ON d.id = s.deployment_id
             WHERE s.id = $1;

-- authz.domain.providerExists
SELECT id FROM provider WHERE id = $1;

-- authz.domain.providerOfOperator
SELECT provider_id AS "providerId" FROM operator WHERE id = $1;

-- authz.grant.delete
WITH d AS (DELETE FROM casbin_rule WHERE ptype = 'g' AND v0 = $1 AND v1 = $2 AND v2 = $3 RETURNING id)
     SELECT id FROM d;

-- authz.grant.get
SELECT t.id, t.v0 AS subject, t.v1 AS role, t.v2 AS domain,
  to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "grantedAt" FROM casbin_rule t WHERE ptype = 'g' AND v0 = $1 AND v1 = $2 AND v2 = $3;

-- authz.grant.insert
INSERT INTO casbin_rule AS t (ptype, v0, v1, v2) VALUES ('g', $1, $2, $3)
     ON CONFLICT (ptype, v0, v1, v2) DO NOTHING RETURNING t.id, t.v0 AS subject, t.v1 AS role, t.v2 AS domain,
  to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "grantedAt";

-- authz.grant.lockHolders
SELECT v0 AS subject FROM casbin_rule WHERE ptype = 'g' AND v1 = $1 AND v2 = $2 FOR UPDATE;

-- authz.http.providerOfOperator
SELECT provider_id AS "providerId" FROM operator WHERE id = $1;

-- authz.policy.loadForDomain
SELECT ptype, ARRAY[v0, v1, v2] AS v FROM casbin_rule WHERE ptype = 'p' OR (ptype = 'g' AND v2 = $1)
        ORDER BY id;

-- authz.roleAssignments.count
SELECT count(*)::int AS n FROM casbin_rule t {{where}};

-- authz.roleAssignments.page
SELECT t.id, t.v0 AS subject, t.v1 AS role, t.v2 AS domain,
  to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "grantedAt" FROM casbin_rule t {{where}}
     ORDER BY {{orderBy}} LIMIT {{limit}};

-- authz.subject.domains
SELECT DISTINCT v2 AS domain FROM casbin_rule WHERE ptype = 'g' AND v0 = $1;
