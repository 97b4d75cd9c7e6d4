import { Check, Column, Entity, Index, JoinColumn, ManyToOne, type Relation } from "typeorm";
import { CreatedAt, UpdatedAt, UuidPrimary } from "../db/columns.js";
import { ConflictOn } from "../db/conflicts.js";
import { ServiceEntity } from "../deployments/service.entity.js";
import { OperatorEntity } from "../operators/operator.entity.js";

export const VOLUME_KINDS = ["block", "blob"] as const;
export type VolumeKind = (typeof VOLUME_KINDS)[number];

/** Where a service's data lives and is protected: a ZFS dataset (block) or a Garage bucket (blob). */
@ConflictOn("backup_volume_service_kind_name_key", "name", "the service has a volume of this kind and name")
@Entity({ name: "backup_volume" })
@Index("backup_volume_service_kind_name_key", ["serviceId", "kind", "name"], { unique: true })
@Index("backup_volume_operator_idx", ["operatorId"])
@Check("backup_volume_kind_check", `kind IN ('block', 'blob')`)
export class BackupVolumeEntity {
  @UuidPrimary() id: string;

  @Column({ type: "uuid", name: "service_id" }) serviceId: string;
  @ManyToOne(() => ServiceEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "service_id", foreignKeyConstraintName: "backup_volume_service_fk" })
  service?: Relation<ServiceEntity>;

  /** The service's operator (a service never moves): reads are scoped by it without joins. */
  @Column({ type: "uuid", name: "operator_id" }) operatorId: string;
  @ManyToOne(() => OperatorEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "operator_id", foreignKeyConstraintName: "backup_volume_operator_fk" })
  operator?: Relation<OperatorEntity>;

  @Column({ type: "text" }) kind: VolumeKind;

  /** The ZFS dataset (pool/path) or the bucket name. */
  @Column({ type: "text" }) name: string;

  /** The host holding it as NetBox names it (a device or VM of the provider's mirror), when known. */
  @Column({ type: "text", nullable: true }) host: string | null;

  /**
   * Taken-at of its newest live snapshot: kept by every report, in its transaction (the volume's row
   * locked), so that freshness reads it with the volume instead of probing the snapshots of each.
   */
  @Column({ type: "timestamptz", name: "last_snapshot_at", nullable: true }) lastSnapshotAt: Date | null;

  @CreatedAt() createdAt: Date;
  @UpdatedAt() updatedAt: Date;
}
