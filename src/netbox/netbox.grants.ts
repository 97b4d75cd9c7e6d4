import type { ModuleGrants } from "../authz/catalogue.js";
import { Permission } from "../authz/permissions.js";
import { PROVIDER_ADMINS, READERS } from "../authz/roles.js";

/** The permissions netbox owns and the roles granted each. */
export const netboxGrants: ModuleGrants = {
  permissions: {
    [Permission.NetboxRead]: READERS,
    [Permission.NetboxSync]: PROVIDER_ADMINS,
    [Permission.NetboxManage]: PROVIDER_ADMINS,
  },
};
