import { defineModule } from "../feature-module.js";
import { resourcesGrants } from "./resources.grants.js";
import { resourcesEntities } from "./resources.entities.js";
import { createObservedResourceLoaders } from "./observed-resource.loaders.js";
import { DeploymentObservedResolver, ObservedResourceResolver } from "./observed-resource.resolver.js";
import { ObservedResourceService } from "./observed-resource.service.js";

export const resourcesModule = defineModule({
  name: "resources",
  grants: resourcesGrants,
  entities: resourcesEntities,
  resolvers: [ObservedResourceResolver, DeploymentObservedResolver],
  loaders: createObservedResourceLoaders,
  services: ({ ds }) => ({ observedResources: new ObservedResourceService(ds) }),
  events: { reportResourceState: ["deployment.report"] },
});

declare module "../api/context.js" {
  interface Services {
    observedResources: ObservedResourceService;
  }
  interface Loaders extends ReturnType<typeof createObservedResourceLoaders> {}
}
