import type { ModuleGrants } from "../authz/catalogue.js";
import { Permission } from "../authz/permissions.js";
import { PROVIDER_ADMINS, READERS } from "../authz/roles.js";

/** The permissions operators owns, the roles granted each, and the read permission of its node kinds. */
export const operatorsGrants: ModuleGrants = {
  permissions: {
    [Permission.OperatorRead]: READERS,
    [Permission.OperatorCreate]: PROVIDER_ADMINS,
    [Permission.OperatorUpdate]: PROVIDER_ADMINS,
    [Permission.OperatorSuspend]: PROVIDER_ADMINS,
    [Permission.QuotaSet]: PROVIDER_ADMINS,
  },
  readOf: { Operator: Permission.OperatorRead },
};
