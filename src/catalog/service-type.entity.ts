import { Column, Entity, Index, JoinColumn, ManyToOne, type Relation } from "typeorm";
import { CreatedAt, UpdatedAt, UuidPrimary, EMPTY_JSON } from "../db/columns.js";
import { ConflictOn } from "../db/conflicts.js";
import { ProviderEntity } from "../providers/provider.entity.js";

/** The fields a provider may change and a release of the reference catalog may upgrade. */
export const MANAGED_FIELDS = [
  "name",
  "description",
  "federated",
  "storageKinds",
  "defaultVcpus",
  "defaultMemoryGib",
  "defaultBlockStorageGib",
  "defaultBlobStorageGib",
  "optionsSchema",
] as const;
export type ManagedField = (typeof MANAGED_FIELDS)[number];
export type ServiceTypeValues = Pick<ServiceTypeEntity, ManagedField>;

/** One entry of a provider's service catalog: each provider owns its catalog (README "Service catalog"). */
@ConflictOn(
  "service_type_provider_slug_key",
  "slug",
  "the provider has a service type with this slug already",
)
@Entity({ name: "service_type" })
@Index("service_type_provider_slug_key", ["providerId", "slug"], { unique: true })
export class ServiceTypeEntity {
  @UuidPrimary() id: string;

  @Column({ type: "uuid", name: "provider_id" }) providerId: string;

  @ManyToOne(() => ProviderEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "provider_id", foreignKeyConstraintName: "service_type_provider_fk" })
  provider?: Relation<ProviderEntity>;

  @Column({ type: "text" }) slug: string;

  @Column({ type: "text" }) name: string;

  @Column({ type: "text", default: "" }) description: string;

  /** Fedi services federate (Mastodon, Pixelfed, PeerTube); plain ones do not. */
  @Column({ type: "boolean", default: false }) federated: boolean;

  @Column({ type: "jsonb", name: "options_schema", default: EMPTY_JSON }) optionsSchema: object;

  /** Which storage kinds the service uses: block (service data) and/or blob (user data). */
  @Column({ type: "text", array: true, name: "storage_kinds", default: () => "'{}'" })
  storageKinds: string[];

  @Column({ type: "integer", name: "default_vcpus", default: 1 }) defaultVcpus: number;
  @Column({ type: "integer", name: "default_memory_gib", default: 1 }) defaultMemoryGib: number;
  @Column({ type: "integer", name: "default_block_storage_gib", default: 0 }) defaultBlockStorageGib: number;
  @Column({ type: "integer", name: "default_blob_storage_gib", default: 0 }) defaultBlobStorageGib: number;

  /**
   * The reference catalog's values as last installed into this row (MANAGED_FIELDS), the base of the
   * three-way merge on upgrade; null for the provider's own (bespoke) types.
   */
  @Column({ type: "jsonb", nullable: true }) reference: ServiceTypeValues | null;

  /** Set while retired: no new services of it; existing ones keep working. */
  @Column({ type: "timestamptz", name: "retired_at", nullable: true }) retiredAt: Date | null;

  @CreatedAt() createdAt: Date;
  @UpdatedAt() updatedAt: Date;
}
