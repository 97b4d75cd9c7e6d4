import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from "typeorm";
import { BackupTargetEntity } from "./backup-target.entity.js";
import { BackupVolumeEntity } from "./backup-volume.entity.js";

export const REPLICA_STATES = ["in-sync", "lagging", "failed"] as const;
export type ReplicaState = (typeof REPLICA_STATES)[number];

/** How far a volume's copy at one target is, as the backup agent last reported it (newest observation wins). */
@Entity({ name: "backup_replica" })
@Check("backup_replica_state_check", `state IN ('in-sync', 'lagging', 'failed')`)
export class BackupReplicaEntity {
  @PrimaryColumn({ type: "uuid", name: "volume_id", primaryKeyConstraintName: "backup_replica_pkey" })
  volumeId: string;
  @ManyToOne(() => BackupVolumeEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "volume_id", foreignKeyConstraintName: "backup_replica_volume_fk" })
  volume?: Relation<BackupVolumeEntity>;

  @PrimaryColumn({ type: "uuid", name: "target_id", primaryKeyConstraintName: "backup_replica_pkey" })
  targetId: string;
  @ManyToOne(() => BackupTargetEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "target_id", foreignKeyConstraintName: "backup_replica_target_fk" })
  target?: Relation<BackupTargetEntity>;

  @Column({ type: "text" }) state: ReplicaState;

  /** The taken-at time of the newest snapshot the target holds complete. */
  @Column({ type: "timestamptz", name: "synced_to", nullable: true }) syncedTo: Date | null;

  /** The agent's words when lagging or failed. */
  @Column({ type: "text", nullable: true }) detail: string | null;

  @Column({ type: "timestamptz", name: "observed_at" }) observedAt: Date;

  @Column({ type: "timestamptz", name: "reported_at", default: () => "now()" }) reportedAt: Date;
}
