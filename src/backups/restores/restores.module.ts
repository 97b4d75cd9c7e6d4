import { defineModule } from "../../feature-module.js";
import { createRestoreLoaders } from "./restore.loaders.js";
import { RestoreResolver } from "./restore.resolver.js";
import { RestoreService } from "./restore.service.js";
import { restoresGrants } from "./restores.grants.js";

/**
 * Restores of services from backup snapshots, as runs. Its tables are listed with the backups module's
 * (backups.entities.ts), which also owns the permissions it uses (backup:restore, backup:approve).
 */
export const restoresModule = defineModule({
  name: "backup-restores",
  grants: restoresGrants,
  resolvers: [RestoreResolver],
  loaders: createRestoreLoaders,
  services: ({ ds, configSections }) => ({ restores: new RestoreService(ds, configSections) }),
  nodes: { BackupRestore: (l, id) => l.backupRestoreById.load(id) },
  events: {
    // Approved at once where no approval is needed (or the requester may approve): then its run is queued.
    requestRestore: ["backup-restore.create", "backup-restore.approve", "run.restore"],
    approveRestore: ["backup-restore.approve", "run.restore"],
    rejectRestore: ["backup-restore.reject"],
    setBackupRestoreApproval: ["backup-restore-setting.update"],
  },
});

declare module "../../api/context.js" {
  interface Services {
    restores: RestoreService;
  }
  interface Loaders extends ReturnType<typeof createRestoreLoaders> {}
}
