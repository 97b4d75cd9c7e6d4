import { defineModule } from "../feature-module.js";
import { netboxGrants } from "./netbox.grants.js";
import { netboxEntities } from "./netbox.entities.js";
import { NETBOX_OBJECT_RESOLVERS } from "./netbox-objects.resolver.js";
import { createNetboxLoaders } from "./netbox.loaders.js";
import {
  NetboxConnectionResolver,
  NetboxResolver,
  NetboxSyncRunResolver,
  NetboxTenantMappingResolver,
} from "./netbox.resolver.js";
import { NetboxService } from "./netbox.service.js";

export const netboxModule = defineModule({
  name: "netbox",
  grants: netboxGrants,
  entities: netboxEntities,
  resolvers: [
    NetboxResolver,
    NetboxConnectionResolver,
    NetboxTenantMappingResolver,
    NetboxSyncRunResolver,
    ...NETBOX_OBJECT_RESOLVERS,
  ],
  loaders: createNetboxLoaders,
  services: ({ ds }) => ({ netbox: new NetboxService(ds) }),
  events: {
    setNetboxConnection: ["netbox-connection.create", "netbox-connection.update"],
    removeNetboxConnection: ["netbox-connection.delete"],
    setNetboxTenantMapping: ["netbox-tenant-mapping.update"],
    removeNetboxTenantMapping: ["netbox-tenant-mapping.delete"],
    syncNetbox: ["netbox-sync-run.netbox-sync"],
  },
  eventless: { testNetboxConnection: "changes nothing: it tries the connection and reports what it found" },
});

declare module "../api/context.js" {
  interface Services {
    netbox: NetboxService;
  }
  interface Loaders extends ReturnType<typeof createNetboxLoaders> {}
}
