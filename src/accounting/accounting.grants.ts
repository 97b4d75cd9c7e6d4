import type { ModuleGrants } from "../authz/catalogue.js";
import { Permission } from "../authz/permissions.js";
import { PROVIDER_ADMINS } from "../authz/roles.js";

/** The permissions accounting owns and the roles granted each. */
export const accountingGrants: ModuleGrants = {
  permissions: {
    [Permission.AccountingRead]: [...PROVIDER_ADMINS, "operator-admin", "auditor"],
    [Permission.AccountingCheckpoint]: PROVIDER_ADMINS,
  },
};
