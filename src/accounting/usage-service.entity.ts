import { Check, Column, Entity, Index } from "typeorm";
import { UuidPrimary } from "../db/columns.js";

/**
 * One stretch of time during which a service was enabled. Kept after the service, its deployment or its
 * type are gone (no foreign keys), so reports stay exact.
 */
@Entity({ name: "usage_service" })
@Index("usage_service_operator_from_idx", ["operatorId", "enabledFrom"])
@Index("usage_service_one_open", ["serviceId"], { unique: true, where: "disabled_at IS NULL" })
@Check("usage_service_interval_check", `disabled_at IS NULL OR disabled_at >= enabled_from`)
export class UsageServiceEntity {
  @UuidPrimary() id: string;

  @Column({ type: "uuid", name: "service_id" }) serviceId: string;

  @Column({ type: "uuid", name: "deployment_id" }) deploymentId: string;

  @Column({ type: "uuid", name: "operator_id" }) operatorId: string;

  /** The service type's slug at the time. */
  @Column({ type: "text", name: "service_type" }) serviceType: string;

  @Column({ type: "timestamptz", name: "enabled_from" }) enabledFrom: Date;

  /** Null while the service is enabled. */
  @Column({ type: "timestamptz", name: "disabled_at", nullable: true }) disabledAt: Date | null;
}
