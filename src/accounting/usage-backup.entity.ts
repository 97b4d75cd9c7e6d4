import { Check, Column, Entity, Index } from "typeorm";
import { UuidPrimary } from "../db/columns.js";

/**
 * The backup storage of one volume over one interval: the bytes of its existing snapshots at the source
 * and the bytes held by backup targets (a snapshot held at two targets counts twice). A new interval
 * starts whenever a report changes either. No foreign keys: the record outlives the volume.
 */
@Entity({ name: "usage_backup" })
@Index("usage_backup_operator_from_idx", ["operatorId", "validFrom"])
@Index("usage_backup_one_open", ["volumeId"], { unique: true, where: "valid_to IS NULL" })
@Check("usage_backup_interval_check", `valid_to IS NULL OR valid_to >= valid_from`)
export class UsageBackupEntity {
  @UuidPrimary() id: string;

  @Column({ type: "uuid", name: "volume_id" }) volumeId: string;

  @Column({ type: "uuid", name: "service_id" }) serviceId: string;

  @Column({ type: "uuid", name: "operator_id" }) operatorId: string;

  @Column({ type: "text", name: "service_type" }) serviceType: string;

  @Column({ type: "bigint", name: "snapshot_bytes" }) snapshotBytes: string;

  @Column({ type: "bigint", name: "replica_bytes" }) replicaBytes: string;

  @Column({ type: "timestamptz", name: "valid_from" }) validFrom: Date;

  @Column({ type: "timestamptz", name: "valid_to", nullable: true }) validTo: Date | null;
}
