import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn, type Relation } from "typeorm";
import { UpdatedAt } from "../../db/columns.js";
import { ProviderEntity } from "../../providers/provider.entity.js";

/**
 * A provider's restore policy: whether a restore its operators ask for waits for a provider admin's
 * approval. A provider without a row requires approval.
 */
@Entity({ name: "backup_restore_setting" })
export class BackupRestoreSettingEntity {
  @PrimaryColumn({
    type: "uuid",
    name: "provider_id",
    primaryKeyConstraintName: "backup_restore_setting_pkey",
  })
  providerId: string;
  @OneToOne(() => ProviderEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "provider_id", foreignKeyConstraintName: "backup_restore_setting_provider_fk" })
  provider?: Relation<ProviderEntity>;

  @Column({ type: "boolean", name: "approval_required", default: true }) approvalRequired: boolean;

  @UpdatedAt() updatedAt: Date;
}
