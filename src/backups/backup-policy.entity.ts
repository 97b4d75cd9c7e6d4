import { Check, Column, Entity, JoinColumn, OneToOne, PrimaryColumn, type Relation } from "typeorm";
import { CreatedAt, UpdatedAt } from "../db/columns.js";
import { ServiceEntity } from "../deployments/service.entity.js";
import { KeepColumns, type KeepRules, keepRulesCheck } from "./keep-rules.js";

/**
 * The backup policy an operator set for one service, overriding the provider's default for its type
 * (within the provider's minimums). A service without one follows the default; `enabled = false` turns
 * backups of the service off (only where the provider imposes no minimum).
 */
@Entity({ name: "backup_policy" })
@Check("backup_policy_keep_check", keepRulesCheck("keep"))
export class BackupPolicyEntity {
  @PrimaryColumn({ type: "uuid", name: "service_id", primaryKeyConstraintName: "backup_policy_pkey" })
  serviceId: string;
  @OneToOne(() => ServiceEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "service_id", foreignKeyConstraintName: "backup_policy_service_fk" })
  service?: Relation<ServiceEntity>;

  @Column({ type: "boolean", default: true }) enabled: boolean;

  /** Five-field cron: when snapshots are taken. */
  @Column({ type: "text" }) schedule: string;

  @Column(() => KeepColumns, { prefix: false }) keep: KeepRules;

  @CreatedAt() createdAt: Date;
  @UpdatedAt() updatedAt: Date;
}
