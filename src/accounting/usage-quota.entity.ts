import { Check, Column, Entity, Index } from "typeorm";
import { UuidPrimary } from "../db/columns.js";

/** An operator's booked quota over one interval; each change closes the open interval and opens the next. */
@Entity({ name: "usage_quota" })
@Index("usage_quota_operator_from_idx", ["operatorId", "validFrom"])
@Index("usage_quota_one_open", ["operatorId"], { unique: true, where: "valid_to IS NULL" })
@Check("usage_quota_interval_check", `valid_to IS NULL OR valid_to >= valid_from`)
export class UsageQuotaEntity {
  @UuidPrimary() id: string;

  @Column({ type: "uuid", name: "operator_id" }) operatorId: string;

  @Column({ type: "integer", name: "storage_gib" }) storageGib: number;

  @Column({ type: "integer" }) vcpus: number;

  @Column({ type: "integer", name: "memory_gib" }) memoryGib: number;

  @Column({ type: "timestamptz", name: "valid_from" }) validFrom: Date;

  /** Null while the interval is open. */
  @Column({ type: "timestamptz", name: "valid_to", nullable: true }) validTo: Date | null;
}
