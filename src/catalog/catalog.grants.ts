import type { ModuleGrants } from "../authz/catalogue.js";
import { Permission } from "../authz/permissions.js";
import { READERS } from "../authz/roles.js";

/** The permissions catalog owns and the roles granted each. */
export const catalogGrants: ModuleGrants = {
  permissions: { [Permission.CatalogRead]: READERS },
};
