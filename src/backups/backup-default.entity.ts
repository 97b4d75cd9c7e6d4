import { Check, Column, Entity, Index, JoinColumn, ManyToOne, type Relation } from "typeorm";
import { ServiceTypeEntity } from "../catalog/service-type.entity.js";
import { CreatedAt, UpdatedAt, UuidPrimary } from "../db/columns.js";
import { ProviderEntity } from "../providers/provider.entity.js";
import { KeepColumns, type KeepRules, MinKeepColumns, keepRulesCheck } from "./keep-rules.js";

/**
 * A provider's backup default for one service type: the policy its services get unless their operator
 * sets one, and the minimums any policy of such a service must keep (an operator's policy may keep more,
 * never less).
 */
@Entity({ name: "backup_default" })
@Index("backup_default_provider_type_key", ["providerId", "serviceTypeId"], { unique: true })
@Check("backup_default_keep_check", keepRulesCheck("keep"))
@Check("backup_default_min_keep_check", keepRulesCheck("min_keep"))
export class BackupDefaultEntity {
  @UuidPrimary() id: string;

  @Column({ type: "uuid", name: "provider_id" }) providerId: string;
  @ManyToOne(() => ProviderEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "provider_id", foreignKeyConstraintName: "backup_default_provider_fk" })
  provider?: Relation<ProviderEntity>;

  @Column({ type: "uuid", name: "service_type_id" }) serviceTypeId: string;
  @ManyToOne(() => ServiceTypeEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "service_type_id", foreignKeyConstraintName: "backup_default_service_type_fk" })
  serviceType?: Relation<ServiceTypeEntity>;

  /** Five-field cron: when snapshots are taken. */
  @Column({ type: "text" }) schedule: string;

  @Column(() => KeepColumns, { prefix: false }) keep: KeepRules;

  /** The provider's bounds: what every policy of such a service keeps at least. */
  @Column(() => MinKeepColumns, { prefix: false }) minKeep: KeepRules;

  @CreatedAt() createdAt: Date;
  @UpdatedAt() updatedAt: Date;
}
