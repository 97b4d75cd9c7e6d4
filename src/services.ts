import type { DataSource } from "typeorm";
import { CatalogService } from "./catalog/catalog.service.js";
import { DeploymentConfigService } from "./deployments/deployment-config.service.js";
import { DeploymentService } from "./deployments/deployment.service.js";
import { OperatorService } from "./operators/operator.service.js";
import { ProviderService } from "./providers/provider.service.js";
import { RunService } from "./runs/run.service.js";

/** The application's services, built once per process at the composition root. */
export function createServices(ds: DataSource) {
  return {
    providers: new ProviderService(ds),
    operators: new OperatorService(ds),
    deployments: new DeploymentService(ds),
    deploymentConfig: new DeploymentConfigService(ds),
    catalog: new CatalogService(ds),
    runs: new RunService(ds),
  };
}

export type Services = ReturnType<typeof createServices>;
