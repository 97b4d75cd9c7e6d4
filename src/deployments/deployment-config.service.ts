import type { DataSource } from "typeorm";
import { authorize } from "../authz/denied.js";
import { Permission } from "../authz/permissions.js";
import { notFound } from "../common/errors.js";
import { expectGlobalId } from "../common/global-id.js";
import { dbOf } from "../db/db.js";
import type { Caller } from "../common/caller.js";
import { buildStagedConfig, loadDeployedConfig, type DeploymentConfig } from "./deployment-config.js";
import { ConfigurationKind } from "./deployment.types.js";
import { sql } from "../db/named-sql.js";
import type { ServiceConfigSection } from "./config-section.js";

const PLACE = sql(
  "deployments.config.place",
  `SELECT d.operator_id AS "operatorId", o.provider_id AS "providerId"
         FROM deployment d JOIN operator o ON o.id = d.operator_id WHERE d.id = $1`,
);

export class DeploymentConfigService {
  constructor(
    private readonly ds: DataSource,
    private readonly sections: readonly ServiceConfigSection[],
  ) {}

  async get(caller: Caller, globalId: string, which: ConfigurationKind): Promise<DeploymentConfig | null> {
    const id = expectGlobalId(globalId, "Deployment", "deploymentId");
    const db = dbOf(this.ds);
    const [owner] = await db.query<{ operatorId: string; providerId: string }>(PLACE, [id]);
    if (!owner) throw notFound("Deployment", globalId);
    authorize(caller, Permission.ConfigRead, {
      kind: "Deployment",
      id: globalId,
      ...owner,
    });
    if (which === ConfigurationKind.STAGED) {
      const config = await buildStagedConfig(db, id, this.sections);
      if (!config) throw notFound("Deployment", globalId);
      return config;
    }
    const deployed = await loadDeployedConfig(db, id);
    if (deployed === undefined) throw notFound("Deployment", globalId);
    return deployed;
  }
}
