import {
  Check,
  Column,
  Entity,
  Generated,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  type Relation,
} from "typeorm";
import { ProviderEntity } from "../providers/provider.entity.js";

/**
 * One mirrored NetBox object of any kind: the columns fedicentral filters and joins on, plus the object
 * exactly as NetBox returned it. Relations hold NetBox ids (the mirror may lag, so no foreign keys).
 */
@Entity({ name: "netbox_object" })
@Index("netbox_object_id_key", ["id"], { unique: true })
@Index("netbox_object_tenant_idx", ["providerId", "kind", "tenantId", "netboxId"], {
  where: "tenant_id IS NOT NULL",
})
@Index("netbox_object_site_idx", ["providerId", "kind", "siteId", "netboxId"], {
  where: "site_id IS NOT NULL",
})
@Index("netbox_object_device_idx", ["providerId", "kind", "deviceId", "netboxId"], {
  where: "device_id IS NOT NULL",
})
@Index("netbox_object_cluster_idx", ["providerId", "kind", "clusterId", "netboxId"], {
  where: "cluster_id IS NOT NULL",
})
// GiST indexes for `<<=` / `>>=` (inet_ops): hand-written in migrations/*-NetboxMirrorSql.ts.
@Index("netbox_object_address_gist", { synchronize: false })
@Index("netbox_object_prefix_gist", { synchronize: false })
@Check(
  "netbox_object_kind_check",
  `kind IN ('sites', 'racks', 'devices', 'interfaces', 'prefixes', 'ip-addresses', 'vlans', 'clusters', 'virtual-machines', 'tenants')`,
)
export class NetboxObjectEntity {
  @PrimaryColumn({ type: "uuid", name: "provider_id", primaryKeyConstraintName: "netbox_object_pkey" })
  providerId: string;
  @PrimaryColumn({ type: "text", primaryKeyConstraintName: "netbox_object_pkey" }) kind: string;
  @PrimaryColumn({ type: "integer", name: "netbox_id", primaryKeyConstraintName: "netbox_object_pkey" })
  netboxId: number;

  @ManyToOne(() => ProviderEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "provider_id", foreignKeyConstraintName: "netbox_object_provider_fk" })
  provider?: Relation<ProviderEntity>;

  /** The API's own id of the row (global ids need a uuid). */
  @Column({ type: "uuid" })
  @Generated("uuid")
  id: string;

  @Column({ type: "text", nullable: true }) name: string | null;
  @Column({ type: "text", nullable: true }) slug: string | null;
  @Column({ type: "text", nullable: true }) display: string | null;
  /** The choice value, e.g. "active". */
  @Column({ type: "text", nullable: true }) status: string | null;
  /** The role's slug (devices, VMs, racks, prefixes, VLANs), an IP's role value, or a cluster's type slug. */
  @Column({ type: "text", nullable: true }) role: string | null;

  @Column({ type: "integer", name: "tenant_id", nullable: true }) tenantId: number | null;
  @Column({ type: "integer", name: "site_id", nullable: true }) siteId: number | null;
  @Column({ type: "integer", name: "rack_id", nullable: true }) rackId: number | null;
  @Column({ type: "integer", name: "device_id", nullable: true }) deviceId: number | null;
  @Column({ type: "integer", name: "cluster_id", nullable: true }) clusterId: number | null;
  @Column({ type: "integer", name: "virtual_machine_id", nullable: true }) virtualMachineId: number | null;
  @Column({ type: "integer", name: "vrf_id", nullable: true }) vrfId: number | null;
  @Column({ type: "integer", nullable: true }) vid: number | null;
  /** IP addresses: host address with its mask, e.g. 192.0.2.10/24. */
  @Column({ type: "inet", nullable: true }) address: string | null;
  /** Prefixes. */
  @Column({ type: "cidr", nullable: true }) prefix: string | null;

  @Column({ type: "jsonb", name: "custom_fields", nullable: true }) customFields: object | null;
  /** The object as NetBox returned it. */
  @Column({ type: "jsonb" }) raw: object;

  /** NetBox's last_updated: a newer copy wins over an older one arriving late (webhooks). */
  @Column({ type: "timestamptz", name: "netbox_last_updated", nullable: true })
  netboxLastUpdated: Date | null;
  /** When fedicentral last wrote the row. */
  @Column({ type: "timestamptz", name: "synced_at", default: () => "now()" }) syncedAt: Date;
  /** Set when NetBox no longer has the object (ids are never reused, so this is final). */
  @Column({ type: "timestamptz", name: "deleted_at", nullable: true }) deletedAt: Date | null;
}
