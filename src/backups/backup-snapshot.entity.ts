import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from "typeorm";
import { BackupVolumeEntity } from "./backup-volume.entity.js";

/**
 * One snapshot of a volume as the backup agent reported it, keyed by its GUID (ZFS's, or the agent's id
 * of a bucket snapshot). A report older than what is stored (observed_at) changes nothing, so reports
 * may arrive in any order; a destroyed (pruned) snapshot keeps its row with destroyed_at.
 */
@Entity({ name: "backup_snapshot" })
@Index("backup_snapshot_volume_taken_idx", ["volumeId", "takenAt"])
// Live snapshots newest first with what a retention plan reads (INCLUDE guid, name): an index-only scan.
// Hand-written in migrations/*-BackupSnapshotLiveIndex.ts (TypeORM declares no INCLUDE).
@Index("backup_snapshot_live_idx", { synchronize: false })
export class BackupSnapshotEntity {
  @PrimaryColumn({ type: "uuid", name: "volume_id", primaryKeyConstraintName: "backup_snapshot_pkey" })
  volumeId: string;
  @ManyToOne(() => BackupVolumeEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "volume_id", foreignKeyConstraintName: "backup_snapshot_volume_fk" })
  volume?: Relation<BackupVolumeEntity>;

  @PrimaryColumn({ type: "text", primaryKeyConstraintName: "backup_snapshot_pkey" }) guid: string;

  /** e.g. autosnap_2025-01-01_03:00:00_daily. */
  @Column({ type: "text" }) name: string;

  @Column({ type: "timestamptz", name: "taken_at" }) takenAt: Date;

  @Column({ type: "bigint", name: "size_bytes" }) sizeBytes: string;

  /** Where copies are held: "source" (the volume's own host) and the names of backup targets. */
  @Column({ type: "text", array: true, name: "held_at", default: () => "'{}'" }) heldAt: string[];

  /** When the agent saw it destroyed (pruned); null while it exists. */
  @Column({ type: "timestamptz", name: "destroyed_at", nullable: true }) destroyedAt: Date | null;

  /** When the agent looked: a report observed earlier than the stored one is ignored. */
  @Column({ type: "timestamptz", name: "observed_at" }) observedAt: Date;

  @Column({ type: "timestamptz", name: "reported_at", default: () => "now()" }) reportedAt: Date;
}
