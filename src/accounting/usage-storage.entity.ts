import { Check, Column, Entity, Index } from "typeorm";
import { UuidPrimary } from "../db/columns.js";

/**
 * The storage allocated to one service over one interval. Storage stays allocated while a service is
 * disabled (nixops4 destroys nothing), so intervals run from adding the service to removing it.
 */
@Entity({ name: "usage_storage" })
@Index("usage_storage_operator_from_idx", ["operatorId", "validFrom"])
@Index("usage_storage_one_open", ["serviceId"], { unique: true, where: "valid_to IS NULL" })
@Check("usage_storage_interval_check", `valid_to IS NULL OR valid_to >= valid_from`)
export class UsageStorageEntity {
  @UuidPrimary() id: string;

  @Column({ type: "uuid", name: "service_id" }) serviceId: string;

  @Column({ type: "uuid", name: "deployment_id" }) deploymentId: string;

  @Column({ type: "uuid", name: "operator_id" }) operatorId: string;

  @Column({ type: "text", name: "service_type" }) serviceType: string;

  @Column({ type: "integer", name: "block_storage_gib" }) blockStorageGib: number;

  @Column({ type: "integer", name: "blob_storage_gib" }) blobStorageGib: number;

  @Column({ type: "timestamptz", name: "valid_from" }) validFrom: Date;

  @Column({ type: "timestamptz", name: "valid_to", nullable: true }) validTo: Date | null;
}
