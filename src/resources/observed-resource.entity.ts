import { Check, Column, Entity, Index, JoinColumn, ManyToOne, type Relation } from "typeorm";
import type { Initiator } from "../accounting/accounting-event.entity.js";
import { CreatedAt, EMPTY_JSON, UpdatedAt, UuidPrimary } from "../db/columns.js";
import { DeploymentEntity } from "../deployments/deployment.entity.js";

export const RESOURCE_STATUSES = ["healthy", "degraded", "failed", "missing", "unknown"] as const;
export type ResourceStatus = (typeof RESOURCE_STATUSES)[number];

/** What a resource provider last reported about one nixops4 resource of a deployment. */
@Entity({ name: "observed_resource" })
@Index("observed_resource_deployment_kind_name_key", ["deploymentId", "kind", "name"], { unique: true })
@Check("observed_resource_status_check", `status IN ('healthy', 'degraded', 'failed', 'missing', 'unknown')`)
export class ObservedResourceEntity {
  @UuidPrimary() id: string;

  @Column({ type: "uuid", name: "deployment_id" }) deploymentId: string;

  @ManyToOne(() => DeploymentEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "deployment_id", foreignKeyConstraintName: "observed_resource_deployment_fk" })
  deployment?: Relation<DeploymentEntity>;

  /** A component type or resource type, e.g. virtualisation, dns, bucket. */
  @Column({ type: "text" }) kind: string;

  /** The nixops4 resource path, e.g. mastodon.vm. */
  @Column({ type: "text" }) name: string;

  /**
   * The service the resource was created for. No foreign key on purpose: nixops4 has no destroy, so the
   * resource outlives a removed service, and then this id is what shows it as orphaned.
   */
  @Column({ type: "uuid", name: "service_id", nullable: true }) serviceId: string | null;

  @Column({ type: "text" }) status: ResourceStatus;

  /** The provider's outputs with every secret-looking value replaced (see redact.ts). */
  @Column({ type: "jsonb", default: EMPTY_JSON }) outputs: object;

  /** The configuration generation the resource reflects, when the provider knows it. */
  @Column({ type: "integer", nullable: true }) generation: number | null;

  /** When the provider looked. */
  @Column({ type: "timestamptz", name: "observed_at" }) observedAt: Date;

  @Column({ type: "jsonb", name: "reported_by" }) reportedBy: Initiator;

  @CreatedAt() createdAt: Date;
  @UpdatedAt() updatedAt: Date;
}
