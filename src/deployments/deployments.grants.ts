import type { ModuleGrants } from "../authz/catalogue.js";
import { Permission } from "../authz/permissions.js";
import { MEMBERS, READERS } from "../authz/roles.js";

/** The permissions deployments owns, the roles granted each, and the read permission of its node kinds. */
export const deploymentsGrants: ModuleGrants = {
  permissions: {
    [Permission.DeploymentRead]: READERS,
    [Permission.DeploymentWrite]: MEMBERS,
    [Permission.ConfigRead]: [...READERS, "config-reader"],
  },
  readOf: { Deployment: Permission.DeploymentRead, Service: Permission.DeploymentRead },
};
