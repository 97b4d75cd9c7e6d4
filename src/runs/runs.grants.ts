import type { ModuleGrants } from "../authz/catalogue.js";
import { Permission } from "../authz/permissions.js";
import { MEMBERS, READERS } from "../authz/roles.js";

/** The permissions runs owns, the roles granted each, and the read permission of its node kinds. */
export const runsGrants: ModuleGrants = {
  permissions: {
    [Permission.RunRead]: READERS,
    [Permission.RunApply]: MEMBERS,
    [Permission.RunCancel]: MEMBERS,
  },
  readOf: { Run: Permission.RunRead },
};
