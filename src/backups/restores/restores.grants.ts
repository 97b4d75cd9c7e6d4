import type { ModuleGrants } from "../../authz/catalogue.js";
import { Permission } from "../../authz/permissions.js";

/** Restores use the backups module's permissions (backup:restore, backup:approve); they own none. */
export const restoresGrants: ModuleGrants = { readOf: { BackupRestore: Permission.BackupRead } };
