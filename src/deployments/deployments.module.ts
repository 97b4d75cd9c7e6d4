import { defineModule } from "../feature-module.js";
import {
  deploymentProjection,
  operatorDeploymentsProjection,
  serviceProjection,
} from "./deployment.projection.js";
import { deploymentsGrants } from "./deployments.grants.js";
import { deploymentsEntities } from "./deployments.entities.js";
import { DeploymentConfigService } from "./deployment-config.service.js";
import { createDeploymentLoaders } from "./deployment.loaders.js";
import { DeploymentResolver } from "./deployment.resolver.js";
import { DeploymentService } from "./deployment.service.js";
import { ServiceResolver } from "./service.resolver.js";

export const deploymentsModule = defineModule({
  name: "deployments",
  grants: deploymentsGrants,
  entities: deploymentsEntities,
  resolvers: [DeploymentResolver, ServiceResolver],
  loaders: createDeploymentLoaders,
  projections: [deploymentProjection, serviceProjection, operatorDeploymentsProjection],
  services: ({ ds, configSections }) => ({
    deployments: new DeploymentService(ds, configSections),
    deploymentConfig: new DeploymentConfigService(ds, configSections),
  }),
  nodes: {
    Deployment: (l, id) => l.deploymentById.load(id),
    Service: (l, id) => l.serviceById.load(id),
  },
  events: {
    createDeployment: ["deployment.create"],
    renameDeployment: ["deployment.update"],
    deleteDeployment: ["deployment.delete"],
    // With apply: true, the run it queues as well.
    addService: ["service.create", "run.apply"],
    configureService: ["service.update", "run.apply"],
    enableService: ["service.update", "run.apply"],
    disableService: ["service.update", "run.apply"],
    removeService: ["service.delete", "run.apply"],
  },
});

declare module "../api/context.js" {
  interface Services {
    deployments: DeploymentService;
    deploymentConfig: DeploymentConfigService;
  }
  interface Loaders extends ReturnType<typeof createDeploymentLoaders> {}
}
