import { defineModule } from "../feature-module.js";
import { providersGrants } from "./providers.grants.js";
import { providersEntities } from "./providers.entities.js";
import { createProviderLoaders } from "./provider.loaders.js";
import { ProviderComponentsResolver } from "./provider-components.resolver.js";
import { ProviderComponentsService } from "./provider-components.service.js";
import { ProviderResolver } from "./provider.resolver.js";
import { ProviderService } from "./provider.service.js";

export const providersModule = defineModule({
  name: "providers",
  grants: providersGrants,
  entities: providersEntities,
  resolvers: [ProviderResolver, ProviderComponentsResolver],
  loaders: createProviderLoaders,
  services: ({ ds }) => ({
    providers: new ProviderService(ds),
    providerComponents: new ProviderComponentsService(ds),
  }),
  nodes: { Provider: (l, id) => l.providerById.load(id) },
  events: {
    // With its service catalog: the reference types, each installed with an event.
    createProvider: ["provider.create", "service_type.create"],
    setProviderSchemas: ["provider.update"],
    setProviderBespokeInfo: ["provider.update"],
    setResourceProvider: ["resource_provider.create", "resource_provider.update"],
    removeResourceProvider: ["resource_provider.delete"],
    setCoreService: ["core_service.create", "core_service.update"],
    removeCoreService: ["core_service.delete"],
  },
});

declare module "../api/context.js" {
  interface Services {
    providers: ProviderService;
    providerComponents: ProviderComponentsService;
  }
  interface Loaders extends ReturnType<typeof createProviderLoaders> {}
}
