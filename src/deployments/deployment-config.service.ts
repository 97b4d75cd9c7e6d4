import type { DataSource } from "typeorm";
import { notFound } from "../common/errors.js";
import { expectGlobalId } from "../common/global-id.js";
import { dbOf } from "../db/db.js";
import type { Caller } from "../graphql/context.js";
import { buildStagedConfig, loadDeployedConfig, type DeploymentConfig } from "./deployment-config.js";
import { ConfigurationKind } from "./deployment.types.js";

export class DeploymentConfigService {
  constructor(private readonly ds: DataSource) {}

  async get(_caller: Caller, globalId: string, which: ConfigurationKind): Promise<DeploymentConfig | null> {
    const id = expectGlobalId(globalId, "Deployment", "deploymentId");
    const db = dbOf(this.ds);
    if (which === ConfigurationKind.STAGED) {
      const config = await buildStagedConfig(db, id);
      if (!config) throw notFound("Deployment", globalId);
      return config;
    }
    const deployed = await loadDeployedConfig(db, id);
    if (deployed === undefined) throw notFound("Deployment", globalId);
    return deployed;
  }
}
