import type { ModuleGrants } from "../authz/catalogue.js";
import { Permission } from "../authz/permissions.js";
import { PROVIDER_ADMINS, READERS } from "../authz/roles.js";

/** The permissions backups owns and the roles granted each. */
export const backupsGrants: ModuleGrants = {
  permissions: {
    // The agent reads what it must prune (retention plans) and the volumes it reports on.
    [Permission.BackupRead]: [...READERS, "backup-agent"],
    [Permission.BackupManage]: PROVIDER_ADMINS,
    // Not operator-admin's: the agent runs at the provider, like a config-reader.
    [Permission.BackupReport]: [...PROVIDER_ADMINS, "backup-agent"],
    [Permission.BackupRestore]: [...PROVIDER_ADMINS, "operator-admin"],
    [Permission.BackupApprove]: PROVIDER_ADMINS,
  },
  readOf: { BackupVolume: Permission.BackupRead, BackupTarget: Permission.BackupRead },
};
