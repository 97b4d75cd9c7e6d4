import { Check, Column, Entity, Generated, Index, JoinColumn, ManyToOne, type Relation } from "typeorm";
import type { Initiator } from "../accounting/accounting-event.entity.js";
import { CreatedAt, UpdatedAt, UuidPrimary } from "../db/columns.js";
import { DeploymentEntity } from "../deployments/deployment.entity.js";
import type { RunAction, RunState } from "./run-state.js";
import { ConflictOn } from "../db/conflicts.js";

/** One nixops4 run of a deployment, with the exact configuration it was handed (frozen at enqueue time). */
@ConflictOn("run_one_active_per_deployment", "deploymentId", "the deployment has an active run already")
@Entity({ name: "run" })
// The database itself refuses a second active run of one deployment (nixops4 has no lock of its own).
@Index("run_one_active_per_deployment", ["deploymentId"], {
  unique: true,
  where: "state IN ('running', 'canceling')",
})
@Index("run_deployment_idempotency_key_key", ["deploymentId", "idempotencyKey"], { unique: true })
@Index("run_seq_key", ["seq"], { unique: true })
@Index("run_deployment_seq_idx", ["deploymentId", "seq"])
@Index("run_state_seq_idx", ["state", "seq"])
@Check(
  "run_state_check",
  `state IN ('queued', 'running', 'canceling', 'succeeded', 'failed', 'errored', 'canceled')`,
)
@Check("run_action_check", `action IN ('apply', 'restore')`)
export class RunEntity {
  @UuidPrimary() id: string;

  /** Queue order: runs of one deployment start in this order; lists show the newest first. */
  @Column({ type: "bigint", name: "seq" })
  @Generated("increment")
  seq: string;

  @Column({ type: "uuid", name: "deployment_id" }) deploymentId: string;

  @ManyToOne(() => DeploymentEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "deployment_id", foreignKeyConstraintName: "run_deployment_fk" })
  deployment?: Relation<DeploymentEntity>;

  /** apply: the staged configuration; restore: the same, with a backup restore target (src/backups/restores). */
  @Column({ type: "text", default: "apply" }) action: RunAction;

  @Column({ type: "text", default: "queued" }) state: RunState;

  /** The deployment.json handed to nixops4, frozen when the run was enqueued. */
  @Column({ type: "jsonb" }) config: object;
  /** SHA-256 (hex) of the canonical JSON of config. */
  @Column({ type: "text", name: "config_hash" }) configHash: string;
  /** The staged generation the config was built from. */
  @Column({ type: "integer" }) generation: number;

  @Column({ type: "jsonb" }) initiator: Initiator;
  @Column({ type: "text", name: "request_id", nullable: true }) requestId: string | null;
  @Column({ type: "text", name: "idempotency_key", nullable: true }) idempotencyKey: string | null;

  @Column({ type: "timestamptz", name: "queued_at", default: () => "now()" }) queuedAt: Date;
  @Column({ type: "timestamptz", name: "started_at", nullable: true }) startedAt: Date | null;
  @Column({ type: "timestamptz", name: "cancel_requested_at", nullable: true })
  cancelRequestedAt: Date | null;
  @Column({ type: "timestamptz", name: "finished_at", nullable: true }) finishedAt: Date | null;
  /** Refreshed by the worker while the run is active; a stale one means the worker is gone. */
  @Column({ type: "timestamptz", name: "heartbeat_at", nullable: true }) heartbeatAt: Date | null;
  @Column({ type: "text", name: "worker_id", nullable: true }) workerId: string | null;

  @Column({ type: "integer", name: "exit_code", nullable: true }) exitCode: number | null;
  @Column({ type: "text", nullable: true }) signal: string | null;
  @Column({ type: "text", nullable: true }) reason: string | null;
  /** Output bytes that were not stored because the log hit its cap. */
  @Column({ type: "bigint", name: "log_omitted_bytes", default: 0 }) logOmittedBytes: string;

  @CreatedAt() createdAt: Date;
  @UpdatedAt() updatedAt: Date;
}
