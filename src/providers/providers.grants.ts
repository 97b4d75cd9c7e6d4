import type { ModuleGrants } from "../authz/catalogue.js";
import { Permission } from "../authz/permissions.js";
import { PROVIDER_ADMINS, READERS } from "../authz/roles.js";

/** The permissions providers owns, the roles granted each, and the read permission of its node kinds. */
export const providersGrants: ModuleGrants = {
  permissions: {
    [Permission.ProviderRead]: READERS,
    [Permission.ProviderCreate]: ["platform-admin"],
    [Permission.ProviderManage]: PROVIDER_ADMINS,
    [Permission.ProviderInfoRead]: [...PROVIDER_ADMINS, "provider-viewer"],
  },
  readOf: { Provider: Permission.ProviderRead },
};
