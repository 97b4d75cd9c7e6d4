import { defineModule } from "../feature-module.js";
import { servicePolicyProjection } from "./backup.projection.js";
import { backupConfigSection } from "./backup-config-section.js";
import { BackupReportService } from "./backup-report.service.js";
import { createBackupLoaders } from "./backup.loaders.js";
import { backupResolvers } from "./backup.resolver.js";
import { BackupService } from "./backup.service.js";
import { backupsEntities } from "./backups.entities.js";
import { backupsGrants } from "./backups.grants.js";

export const backupsModule = defineModule({
  name: "backups",
  grants: backupsGrants,
  entities: backupsEntities,
  resolvers: backupResolvers,
  loaders: createBackupLoaders,
  services: ({ ds }) => ({ backups: new BackupService(ds), backupReports: new BackupReportService(ds) }),
  configSections: [backupConfigSection],
  projections: [servicePolicyProjection],
  nodes: {
    BackupVolume: (l, id) => l.backupVolumeById.load(id),
    BackupTarget: (l, id) => l.backupTargetById.load(id),
  },
  events: {
    reportBackupSnapshots: ["backup.report"],
    setBackupDefault: ["backup-default.update"],
    setBackupTarget: ["backup-target.update"],
    defineBackupVolume: ["backup-volume.update"],
    setBackupPolicy: ["service.update"],
    resetBackupPolicy: ["service.update"],
  },
});

declare module "../api/context.js" {
  interface Services {
    backups: BackupService;
    backupReports: BackupReportService;
  }
  interface Loaders extends ReturnType<typeof createBackupLoaders> {}
}
