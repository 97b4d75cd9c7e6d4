import type { ModuleGrants } from "../authz/catalogue.js";
import { Permission } from "../authz/permissions.js";
import { PROVIDER_ADMINS } from "../authz/roles.js";

/** The permissions resources owns and the roles granted each. */
export const resourcesGrants: ModuleGrants = {
  // Not operator-admin's: the config-reader of a NixOps4 resource provider runs at the provider.
  permissions: { [Permission.StateReport]: [...PROVIDER_ADMINS, "config-reader"] },
};
