import { BackupDefaultEntity } from "./backup-default.entity.js";
import { BackupPolicyEntity } from "./backup-policy.entity.js";
import { BackupReplicaEntity } from "./backup-replica.entity.js";
import { BackupSnapshotEntity } from "./backup-snapshot.entity.js";
import { BackupTargetEntity } from "./backup-target.entity.js";
import { BackupVolumeEntity } from "./backup-volume.entity.js";
import { BackupRestoreEntity } from "./restores/backup-restore.entity.js";
import { BackupRestoreSettingEntity } from "./restores/restore-setting.entity.js";

/** The tables backups owns; src/entities.ts lists every feature's for the DataSource. */
export const backupsEntities = [
  BackupDefaultEntity,
  BackupPolicyEntity,
  BackupTargetEntity,
  BackupVolumeEntity,
  BackupSnapshotEntity,
  BackupReplicaEntity,
  BackupRestoreEntity,
  BackupRestoreSettingEntity,
];
