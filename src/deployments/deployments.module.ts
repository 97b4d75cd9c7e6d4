import { defineModule } from "../feature-module.js";
import { DeploymentConfigService } from "./deployment-config.service.js";
import { DeploymentEntity } from "./deployment.entity.js";
import { createDeploymentLoaders } from "./deployment.loaders.js";
import { DeploymentResolver } from "./deployment.resolver.js";
import { DeploymentService } from "./deployment.service.js";
import { ServiceEntity } from "./service.entity.js";
import { ServiceResolver } from "./service.resolver.js";

export const deploymentsModule = defineModule({
  name: "deployments",
  entities: [DeploymentEntity, ServiceEntity],
  resolvers: [DeploymentResolver, ServiceResolver],
  loaders: createDeploymentLoaders,
  services: ({ ds }) => ({
    deployments: new DeploymentService(ds),
    deploymentConfig: new DeploymentConfigService(ds),
  }),
  nodes: {
    Deployment: (l, id) => l.deploymentById.load(id),
    Service: (l, id) => l.serviceById.load(id),
  },
});

declare module "../api/context.js" {
  interface Services {
    deployments: DeploymentService;
    deploymentConfig: DeploymentConfigService;
  }
  interface Loaders extends ReturnType<typeof createDeploymentLoaders> {}
}
