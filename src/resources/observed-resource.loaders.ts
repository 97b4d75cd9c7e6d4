import DataLoader from "dataloader";
import type { Access } from "../authz/access.js";
import { Permission } from "../authz/permissions.js";
import { rowScope } from "../authz/scope-sql.js";
import { byIdLoader, byIdSql } from "../db/batch.js";
import type { Db } from "../db/db.js";
import { DEPLOYMENT_COLUMNS } from "../deployments/deployment.loaders.js";
import { toDeployment } from "../deployments/deployment.types.js";
import { type DesiredState, deployedServicesOf, toObservedResource } from "./observed-resource.service.js";
import type { ObservedResource } from "./observed-resource.types.js";
import { sql } from "../db/named-sql.js";

const OBSERVED_BY_DEPLOYMENT = sql(
  "resources.observedByDeployment",
  `SELECT t.id, t.deployment_id AS "deploymentId", t.kind, t.name, t.status, t.outputs, t.generation,
                t.observed_at AS "observedAt", t.updated_at AS "reportedAt", t.service_id AS "serviceId",
                (t.service_id IS NOT NULL AND s.id IS NULL) AS orphaned
           FROM observed_resource t
           LEFT JOIN service s ON s.id = t.service_id AND s.deployment_id = t.deployment_id
          WHERE t.deployment_id = ANY($1::uuid[]) ORDER BY t.kind, t.name`,
);
const DESIRED_STATE_BY_DEPLOYMENT = sql(
  "resources.desiredStateByDeployment",
  `SELECT id, staged_generation AS staged, deployed_generation AS deployed,
                deployed_config -> 'services' AS services
           FROM deployment WHERE id = ANY($1::uuid[])`,
);
const REPORTED_DEPLOYMENT_BY_ID = byIdSql(
  "resources.reportedDeploymentById",
  `SELECT ${DEPLOYMENT_COLUMNS} FROM deployment t`,
);

export function createObservedResourceLoaders(db: Db, access: Access) {
  return {
    /**
     * The deployment a report was about, for the report's answer: in scope of state:report, not only of
     * deployment:read, so that a config-reader gets its answer too. What it reaches from there is what
     * deploymentConfig already shows it (services, generations) and its own reports; operator and runs
     * stay behind their own scoped loaders.
     */
    reportedDeploymentById: byIdLoader(
      db,
      REPORTED_DEPLOYMENT_BY_ID,
      toDeployment,
      rowScope(access, Permission.StateReport, "deployment"),
    ),
    /** Every reported resource of a deployment, by kind and name; orphaned when its service is gone. */
    observedResourcesByDeployment: new DataLoader<string, ObservedResource[]>(async (ids) => {
      const rows = await db.query(OBSERVED_BY_DEPLOYMENT, [ids]);
      const byDeployment = new Map<string, ObservedResource[]>();
      for (const row of rows) {
        const r = toObservedResource(row as Parameters<typeof toObservedResource>[0]);
        const list = byDeployment.get(r.deploymentId);
        if (list) list.push(r);
        else byDeployment.set(r.deploymentId, [r]);
      }
      return ids.map((id) => byDeployment.get(id) ?? []);
    }),
    /** Generations and the services of the deployed configuration (not the whole document). */
    desiredStateByDeployment: new DataLoader<string, DesiredState | null>(async (ids) => {
      const rows = await db.query<{ id: string; staged: number; deployed: number | null; services: unknown }>(
        DESIRED_STATE_BY_DEPLOYMENT,
        [ids],
      );
      const found = new Map(
        rows.map((r) => [
          r.id,
          {
            stagedGeneration: r.staged,
            deployedGeneration: r.deployed,
            deployedServices: deployedServicesOf(r.services),
          },
        ]),
      );
      return ids.map((id) => found.get(id) ?? null);
    }),
  };
}
