import type { Access } from "../authz/access.js";
import { Permission } from "../authz/permissions.js";
import { rowScope } from "../authz/scope-sql.js";
import type { Db } from "../db/db.js";
import { type FieldColumn, isoTime, jsonTime, selectList } from "../db/sql.js";
import {
  byIdLoader,
  byIdSql,
  childCountLoader,
  childCountSql,
  childPageLoader,
  childPageSql,
} from "../db/batch.js";
import { toDeployment, toService } from "./deployment.types.js";
import { textKey, uuidKey } from "../db/sort-key.js";

/** The columns, their timestamps written by time (isoTime for rows, jsonTime inside a JSON page). */
const deploymentColumns = (time: (column: string) => string): FieldColumn[] => [
  ["id", "t.id"],
  ["operatorId", "t.operator_id"],
  ["name", "t.name"],
  ["stagedGeneration", "t.staged_generation"],
  ["deployedGeneration", "t.deployed_generation"],
  ["deployedAt", time("t.deployed_at")],
  ["createdAt", time("t.created_at")],
  ["updatedAt", time("t.updated_at")],
];
const DEPLOYMENT_TIMES = ["deployedAt", "createdAt", "updatedAt"];

const serviceColumns = (time: (column: string) => string): FieldColumn[] => [
  ["id", "t.id"],
  ["deploymentId", "t.deployment_id"],
  ["serviceTypeId", "t.service_type_id"],
  ["enabled", "t.enabled"],
  ["domain", "t.domain"],
  ["options", "t.options"],
  ["blockStorageGib", "t.block_storage_gib"],
  ["blobStorageGib", "t.blob_storage_gib"],
  ["vcpus", "t.vcpus"],
  ["memoryGib", "t.memory_gib"],
  ["createdAt", time("t.created_at")],
  ["updatedAt", time("t.updated_at")],
];
const SERVICE_TIMES = ["createdAt", "updatedAt"];

export const DEPLOYMENT_COLUMNS = selectList(deploymentColumns(isoTime));
export const SERVICE_COLUMNS = selectList(serviceColumns(isoTime));

const DEPLOYMENT_BY_ID = byIdSql("deployments.byId", `SELECT ${DEPLOYMENT_COLUMNS} FROM deployment t`);
const SERVICE_BY_ID = byIdSql("deployments.serviceById", `SELECT ${SERVICE_COLUMNS} FROM service t`);
const DEPLOYMENT_PAGE = childPageSql(
  "deployments.pageByOperator",
  "deployment",
  deploymentColumns(jsonTime),
  "operator_id",
);
const DEPLOYMENT_COUNT = childCountSql("deployments.countByOperator", "deployment", "operator_id");
const SERVICE_PAGE = childPageSql(
  "deployments.servicePageByDeployment",
  "service",
  serviceColumns(jsonTime),
  "deployment_id",
);
const SERVICE_COUNT = childCountSql("deployments.serviceCountByDeployment", "service", "deployment_id");

/**
 * Scoped by the caller's access. Services of a deployment need no scope of their own: a deployment is
 * only ever handed out in scope, and its services share its permission (deployment:read).
 */
export function createDeploymentLoaders(db: Db, access: Access) {
  const deployments = rowScope(access, Permission.DeploymentRead, "deployment");
  return {
    deploymentById: byIdLoader(db, DEPLOYMENT_BY_ID, toDeployment, deployments),
    serviceById: byIdLoader(
      db,
      SERVICE_BY_ID,
      toService,
      rowScope(access, Permission.DeploymentRead, "service"),
    ),
    deploymentPageByOperator: childPageLoader(db, {
      sql: DEPLOYMENT_PAGE,
      orderKeys: [textKey("t.name"), uuidKey("t.id")],
      map: toDeployment,
      scope: deployments,
      times: DEPLOYMENT_TIMES,
    }),
    deploymentCountByOperator: childCountLoader(db, DEPLOYMENT_COUNT, deployments),
    servicePageByDeployment: childPageLoader(db, {
      sql: SERVICE_PAGE,
      orderKeys: [textKey("t.domain"), uuidKey("t.id")],
      map: toService,
      times: SERVICE_TIMES,
    }),
    serviceCountByDeployment: childCountLoader(db, SERVICE_COUNT),
  };
}
