import { JoinColumn, ManyToOne, type Relation, Column, Entity, Index } from "typeorm";
import { OperatorEntity } from "../operators/operator.entity.js";
import { CreatedAt, UpdatedAt, UuidPrimary } from "../db/columns.js";
import { ConflictOn } from "../db/conflicts.js";

@ConflictOn("deployment_operator_name_key", "name", "the operator has a deployment with this name already")
@Entity({ name: "deployment" })
@Index("deployment_operator_name_key", ["operatorId", "name"], { unique: true })
export class DeploymentEntity {
  @UuidPrimary() id: string;

  @Column({ type: "uuid", name: "operator_id" }) operatorId: string;

  @ManyToOne(() => OperatorEntity, { onDelete: "RESTRICT" })
  @JoinColumn({ name: "operator_id", foreignKeyConstraintName: "deployment_operator_fk" })
  operator?: Relation<OperatorEntity>;

  @Column({ type: "text" }) name: string;

  /** Bumped by every change to what should be deployed. */
  @Column({ type: "integer", name: "staged_generation", default: 1 }) stagedGeneration: number;

  /** Set by the last successful run: the generation and configuration it applied. */
  @Column({ type: "integer", name: "deployed_generation", nullable: true }) deployedGeneration: number | null;
  @Column({ type: "jsonb", name: "deployed_config", nullable: true }) deployedConfig: object | null;
  @Column({ type: "timestamptz", name: "deployed_at", nullable: true }) deployedAt: Date | null;

  @CreatedAt() createdAt: Date;
  @UpdatedAt() updatedAt: Date;
}
