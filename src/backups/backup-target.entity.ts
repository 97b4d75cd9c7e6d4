import { Check, Column, Entity, Index, JoinColumn, ManyToOne, type Relation } from "typeorm";
import { CreatedAt, UpdatedAt, UuidPrimary } from "../db/columns.js";
import { ConflictOn } from "../db/conflicts.js";
import { ProviderEntity } from "../providers/provider.entity.js";

export const TARGET_KINDS = ["zfs-pull", "s3-replica"] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/**
 * Where a provider's backups go: a host pulling ZFS snapshots (send/receive) for block volumes, or an
 * S3-compatible service blob buckets are replicated to. Every volume of the matching kind goes to every
 * target of its provider. Credentials are never stored, only the name of the secret holding them.
 */
@ConflictOn("backup_target_provider_name_key", "name", "the provider has a backup target of this name")
@Entity({ name: "backup_target" })
@Index("backup_target_provider_name_key", ["providerId", "name"], { unique: true })
@Check("backup_target_kind_check", `kind IN ('zfs-pull', 's3-replica')`)
export class BackupTargetEntity {
  @UuidPrimary() id: string;

  @Column({ type: "uuid", name: "provider_id" }) providerId: string;
  @ManyToOne(() => ProviderEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "provider_id", foreignKeyConstraintName: "backup_target_provider_fk" })
  provider?: Relation<ProviderEntity>;

  /** A slug, unique per provider; snapshots name the targets holding them by it. */
  @Column({ type: "text" }) name: string;

  @Column({ type: "text" }) kind: TargetKind;

  /** zfs-pull: the pulling host (ssh); s3-replica: the service's https:// URL. */
  @Column({ type: "text" }) endpoint: string;

  /** zfs-pull: the receiving dataset prefix; s3-replica: the bucket (prefix) replicas go to. */
  @Column({ type: "text" }) location: string;

  /** The name of the secret holding its credentials (in the provider's secret store), never the secret. */
  @Column({ type: "text", name: "secret_ref", nullable: true }) secretRef: string | null;

  /** The host as NetBox names it (a device or VM of the provider's mirror), when it is one of the provider's. */
  @Column({ type: "text", nullable: true }) host: string | null;

  @CreatedAt() createdAt: Date;
  @UpdatedAt() updatedAt: Date;
}
