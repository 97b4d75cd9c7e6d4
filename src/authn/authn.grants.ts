import type { ModuleGrants } from "../authz/catalogue.js";
import { Permission } from "../authz/permissions.js";
import { PROVIDER_ADMINS, READERS } from "../authz/roles.js";

/** The permissions authn owns, the roles granted each, and the read permission of its node kinds. */
export const authnGrants: ModuleGrants = {
  permissions: {
    [Permission.SelfRead]: READERS,
    [Permission.SelfManage]: READERS,
    [Permission.UserRead]: [...PROVIDER_ADMINS, "provider-viewer"],
    [Permission.UserManage]: PROVIDER_ADMINS,
    [Permission.SessionRevoke]: PROVIDER_ADMINS,
    // An operator-admin's in its own domain: service accounts for the operator's scripts.
    [Permission.ClientRead]: [...PROVIDER_ADMINS, "provider-viewer", "operator-admin"],
    [Permission.ClientManage]: [...PROVIDER_ADMINS, "operator-admin"],
  },
  readOf: { Client: Permission.ClientRead, User: Permission.UserRead },
};
