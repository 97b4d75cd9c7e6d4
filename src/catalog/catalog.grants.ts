import type { ModuleGrants } from "../authz/catalogue.js";
import { Permission } from "../authz/permissions.js";
import { PROVIDER_ADMINS, READERS } from "../authz/roles.js";

/** The permissions catalog owns, the roles granted each, and the read permission of its node kind. */
export const catalogGrants: ModuleGrants = {
  permissions: { [Permission.CatalogRead]: READERS, [Permission.CatalogManage]: PROVIDER_ADMINS },
  readOf: { ServiceType: Permission.CatalogRead },
};
