import { JoinColumn, ManyToOne, type Relation, Check, Column, Entity, Index } from "typeorm";
import { ProviderEntity } from "../providers/provider.entity.js";
import { CreatedAt, UpdatedAt, UuidPrimary, EMPTY_JSON } from "../db/columns.js";
import { ConflictOn } from "../db/conflicts.js";

export const OPERATOR_STATUSES = ["active", "suspended"] as const;
export type OperatorStatusValue = (typeof OPERATOR_STATUSES)[number];

@ConflictOn(
  "operator_provider_slug_key",
  "slug",
  "an operator with this slug exists already at this provider",
)
@ConflictOn("operator_dns_zone_key", "dnsZone", "this DNS zone belongs to another operator")
@ConflictOn(
  "operator_dns_zone_disjoint",
  "dnsZone",
  "this DNS zone is inside or above the zone of another operator",
)
@Entity({ name: "operator" })
@Index("operator_provider_slug_key", ["providerId", "slug"], { unique: true })
@Index("operator_name_id_idx", ["name", "id"])
@Index("operator_status_name_id_idx", ["status", "name", "id"])
@Check("operator_status_check", `status IN ('active', 'suspended')`)
@Check("operator_quota_check", `quota_storage_gib >= 0 AND quota_vcpus >= 0 AND quota_memory_gib >= 0`)
export class OperatorEntity {
  @UuidPrimary() id: string;

  @Column({ type: "uuid", name: "provider_id" }) providerId: string;

  @ManyToOne(() => ProviderEntity, { onDelete: "RESTRICT" })
  @JoinColumn({ name: "provider_id", foreignKeyConstraintName: "operator_provider_fk" })
  provider?: Relation<ProviderEntity>;

  @Column({ type: "text" }) slug: string;

  @Column({ type: "text" }) name: string;

  @Column({ type: "text", name: "contact_email" }) contactEmail: string;

  /** Stored in ASCII (punycode) form, lower case, without the trailing dot. */
  @Index("operator_dns_zone_key", { unique: true })
  @Column({ type: "text", name: "dns_zone" })
  dnsZone: string;

  @Column({ type: "integer", name: "quota_storage_gib", default: 0 }) quotaStorageGib: number;
  @Column({ type: "integer", name: "quota_vcpus", default: 0 }) quotaVcpus: number;
  @Column({ type: "integer", name: "quota_memory_gib", default: 0 }) quotaMemoryGib: number;

  @Column({ type: "text", default: "active" }) status: OperatorStatusValue;

  @Column({ type: "jsonb", name: "bespoke_info", default: EMPTY_JSON }) bespokeInfo: object;

  @CreatedAt() createdAt: Date;
  @UpdatedAt() updatedAt: Date;
}
