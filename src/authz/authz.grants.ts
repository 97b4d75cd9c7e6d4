import type { ModuleGrants } from "./catalogue.js";
import { Permission } from "./permissions.js";
import { PROVIDER_ADMINS, READERS } from "./roles.js";

/** The permissions authz owns and the roles granted each. */
export const authzGrants: ModuleGrants = {
  permissions: {
    [Permission.PolicyRead]: READERS,
    [Permission.PolicyManage]: [...PROVIDER_ADMINS, "operator-admin"],
  },
};
