import { Check, Column, Entity, Generated, Index, JoinColumn, ManyToOne, type Relation } from "typeorm";
import type { Initiator } from "../../accounting/accounting-event.entity.js";
import { CreatedAt, UpdatedAt, UuidPrimary } from "../../db/columns.js";
import { DeploymentEntity } from "../../deployments/deployment.entity.js";
import { ServiceEntity } from "../../deployments/service.entity.js";
import { OperatorEntity } from "../../operators/operator.entity.js";
import { RunEntity } from "../../runs/run.entity.js";
import { BackupSnapshotEntity } from "../backup-snapshot.entity.js";

export const RESTORE_STATES = ["requested", "approved", "rejected"] as const;
export type RestoreState = (typeof RESTORE_STATES)[number];

/**
 * A request to restore one volume of a service to one of its snapshots. Requested by the operator (or the
 * provider); approved by a provider admin unless the provider's restore setting needs no approval; once
 * approved it is a restore run of the deployment (run_id), which has its own states and log.
 */
@Entity({ name: "backup_restore" })
// Idempotency keys are scoped to the deployment, as those of applies are.
@Index("backup_restore_deployment_idempotency_key_key", ["deploymentId", "idempotencyKey"], { unique: true })
@Index("backup_restore_run_key", ["runId"], { unique: true })
@Index("backup_restore_seq_key", ["seq"], { unique: true })
@Index("backup_restore_service_seq_idx", ["serviceId", "seq"])
@Index("backup_restore_operator_seq_idx", ["operatorId", "seq"])
@Index("backup_restore_snapshot_idx", ["volumeId", "snapshotGuid"])
@Check("backup_restore_state_check", `state IN ('requested', 'approved', 'rejected')`)
@Check("backup_restore_decided_check", `(state = 'requested') = (decided_at IS NULL)`)
export class BackupRestoreEntity {
  @UuidPrimary() id: string;

  /** List order: newest first. */
  @Column({ type: "bigint", name: "seq" })
  @Generated("increment")
  seq: string;

  @Column({ type: "uuid", name: "service_id" }) serviceId: string;
  @ManyToOne(() => ServiceEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "service_id", foreignKeyConstraintName: "backup_restore_service_fk" })
  service?: Relation<ServiceEntity>;

  /** The service's deployment (a service never moves): the run's, and the idempotency keys' scope. */
  @Column({ type: "uuid", name: "deployment_id" }) deploymentId: string;
  @ManyToOne(() => DeploymentEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "deployment_id", foreignKeyConstraintName: "backup_restore_deployment_fk" })
  deployment?: Relation<DeploymentEntity>;

  /** The service's operator: reads are scoped by it without joins. */
  @Column({ type: "uuid", name: "operator_id" }) operatorId: string;
  @ManyToOne(() => OperatorEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "operator_id", foreignKeyConstraintName: "backup_restore_operator_fk" })
  operator?: Relation<OperatorEntity>;

  @Column({ type: "uuid", name: "volume_id" }) volumeId: string;
  @Column({ type: "text", name: "snapshot_guid" }) snapshotGuid: string;
  @ManyToOne(() => BackupSnapshotEntity, { onDelete: "CASCADE" })
  @JoinColumn([
    {
      name: "volume_id",
      referencedColumnName: "volumeId",
      foreignKeyConstraintName: "backup_restore_snapshot_fk",
    },
    {
      name: "snapshot_guid",
      referencedColumnName: "guid",
      foreignKeyConstraintName: "backup_restore_snapshot_fk",
    },
  ])
  snapshot?: Relation<BackupSnapshotEntity>;

  /** The point in time asked for, when the snapshot was chosen by time (the newest taken at or before it). */
  @Column({ type: "timestamptz", name: "point_in_time", nullable: true }) pointInTime: Date | null;

  @Column({ type: "text", default: "requested" }) state: RestoreState;

  /** The requester's words: why. */
  @Column({ type: "text", nullable: true }) note: string | null;

  @Column({ type: "jsonb", name: "requested_by" }) requestedBy: Initiator;
  @Column({ type: "text", name: "request_id", nullable: true }) requestId: string | null;
  @Column({ type: "text", name: "idempotency_key" }) idempotencyKey: string;

  /** Who approved or rejected it: the requester when no approval was needed or they may approve. */
  @Column({ type: "jsonb", name: "decided_by", nullable: true }) decidedBy: Initiator | null;
  @Column({ type: "timestamptz", name: "decided_at", nullable: true }) decidedAt: Date | null;
  /** Why it was rejected. */
  @Column({ type: "text", name: "decision_reason", nullable: true }) decisionReason: string | null;

  /** The restore run, once approved. */
  @Column({ type: "uuid", name: "run_id", nullable: true }) runId: string | null;
  @ManyToOne(() => RunEntity, { onDelete: "SET NULL" })
  @JoinColumn({ name: "run_id", foreignKeyConstraintName: "backup_restore_run_fk" })
  run?: Relation<RunEntity>;

  @CreatedAt() createdAt: Date;
  @UpdatedAt() updatedAt: Date;
}
