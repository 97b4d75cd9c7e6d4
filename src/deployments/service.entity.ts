import { JoinColumn, ManyToOne, type Relation, Check, Column, Entity, Index } from "typeorm";
import { DeploymentEntity } from "./deployment.entity.js";
import { ServiceTypeEntity } from "../catalog/service-type.entity.js";
import { CreatedAt, UpdatedAt, UuidPrimary, EMPTY_JSON } from "../db/columns.js";
import { ConflictOn } from "../db/conflicts.js";

@ConflictOn("service_deployment_type_key", "serviceType", "the deployment has a service of this type already")
@ConflictOn("service_domain_key", "domain", "this domain is used by another service")
@Entity({ name: "service" })
@Index("service_deployment_type_key", ["deploymentId", "serviceTypeId"], { unique: true })
@Index("service_domain_key", ["domain"], { unique: true })
// A deployment's services in page order (domain, id): read straight from the index, no sort per deployment.
@Index("service_deployment_page_idx", ["deploymentId", "domain", "id"])
@Check(
  "service_sizes_check",
  `block_storage_gib >= 0 AND blob_storage_gib >= 0 AND vcpus >= 0 AND memory_gib >= 0`,
)
export class ServiceEntity {
  @UuidPrimary() id: string;

  @Column({ type: "uuid", name: "deployment_id" }) deploymentId: string;

  @ManyToOne(() => DeploymentEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "deployment_id", foreignKeyConstraintName: "service_deployment_fk" })
  deployment?: Relation<DeploymentEntity>;

  @Column({ type: "uuid", name: "service_type_id" }) serviceTypeId: string;

  @ManyToOne(() => ServiceTypeEntity, { onDelete: "RESTRICT" })
  @JoinColumn({ name: "service_type_id", foreignKeyConstraintName: "service_service_type_fk" })
  serviceType?: Relation<ServiceTypeEntity>;

  @Column({ type: "boolean", default: true }) enabled: boolean;

  /** ASCII (punycode) form, inside the operator's DNS zone. */
  @Column({ type: "text" }) domain: string;

  @Column({ type: "jsonb", default: EMPTY_JSON }) options: object;

  @Column({ type: "integer", name: "block_storage_gib", default: 0 }) blockStorageGib: number;
  @Column({ type: "integer", name: "blob_storage_gib", default: 0 }) blobStorageGib: number;
  @Column({ type: "integer", default: 1 }) vcpus: number;
  @Column({ type: "integer", name: "memory_gib", default: 1 }) memoryGib: number;

  @CreatedAt() createdAt: Date;
  @UpdatedAt() updatedAt: Date;
}
