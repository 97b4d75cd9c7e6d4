import { defineModule } from "../feature-module.js";
import { capacityGrants } from "./capacity.grants.js";
import { CapacityResolver } from "./capacity.resolver.js";
import { CapacityService } from "./capacity.service.js";

// No tables: it reads the operators' bookings and the NetBox mirror.
export const capacityModule = defineModule({
  name: "capacity",
  grants: capacityGrants,
  resolvers: [CapacityResolver],
  services: ({ ds }) => ({ capacity: new CapacityService(ds) }),
});

declare module "../api/context.js" {
  interface Services {
    capacity: CapacityService;
  }
}
