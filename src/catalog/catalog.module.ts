import { defineModule } from "../feature-module.js";
import { catalogGrants } from "./catalog.grants.js";
import { catalogEntities } from "./catalog.entities.js";
import { CatalogResolver } from "./catalog.resolver.js";
import { CatalogService } from "./catalog.service.js";
import { createCatalogLoaders } from "./service-type.loaders.js";

export const catalogModule = defineModule({
  name: "catalog",
  grants: catalogGrants,
  entities: catalogEntities,
  resolvers: [CatalogResolver],
  loaders: createCatalogLoaders,
  services: ({ ds }) => ({ catalog: new CatalogService(ds) }),
  nodes: { ServiceType: (l, id) => l.serviceTypeById.load(id) },
  events: {
    createServiceType: ["service_type.create"],
    updateServiceType: ["service_type.update"],
    retireServiceType: ["service_type.retire"],
    unretireServiceType: ["service_type.unretire"],
  },
});

declare module "../api/context.js" {
  interface Services {
    catalog: CatalogService;
  }
  interface Loaders extends ReturnType<typeof createCatalogLoaders> {}
}
