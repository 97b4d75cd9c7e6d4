import { Permission } from "../authz/permissions.js";
import { scopeCondition } from "../authz/scope-sql.js";
import { textKey, uuidKey } from "../db/sort-key.js";
import {
  type SqlProjection,
  column,
  connection,
  globalId,
  isoTimestamp,
  jsonColumn,
} from "../api/sql-projection.js";

/** Service's own columns (toService reads the same). */
export const serviceProjection: SqlProjection = {
  type: "Service",
  fields: {
    id: globalId("Service", (t) => `${t}.id`),
    enabled: column("enabled"),
    domain: column("domain"),
    options: jsonColumn("options"),
    blockStorageGib: column("block_storage_gib"),
    blobStorageGib: column("blob_storage_gib"),
    vcpus: column("vcpus"),
    memoryGib: column("memory_gib"),
    createdAt: isoTimestamp("created_at"),
    updatedAt: isoTimestamp("updated_at"),
  },
};

/** Deployment's columns and its services, in the order of servicePageByDeployment (domain, then id). */
export const deploymentProjection: SqlProjection = {
  type: "Deployment",
  fields: {
    id: globalId("Deployment", (t) => `${t}.id`),
    name: column("name"),
    stagedGeneration: column("staged_generation"),
    deployedGeneration: column("deployed_generation"),
    deployedAt: isoTimestamp("deployed_at"),
    createdAt: isoTimestamp("created_at"),
    updatedAt: isoTimestamp("updated_at"),
    // A deployment is only handed out in scope, and its services share its permission (as the loader).
    services: connection({
      table: "service",
      nodeType: "Service",
      keys: [textKey("domain"), uuidKey("id")],
      parent: (c, p) => `${c}.deployment_id = ${p}.id`,
    }),
  },
};

/** An operator's deployments, as deploymentPageByOperator reads them (name, then id; deployment:read). */
export const operatorDeploymentsProjection: SqlProjection = {
  type: "Operator",
  fields: {
    deployments: connection({
      table: "deployment",
      nodeType: "Deployment",
      keys: [textKey("name"), uuidKey("id")],
      parent: (c, p) => `${c}.operator_id = ${p}.id`,
      scope: (access, alias, params) =>
        scopeCondition(access, Permission.DeploymentRead, "deployment", alias, params),
    }),
  },
};
