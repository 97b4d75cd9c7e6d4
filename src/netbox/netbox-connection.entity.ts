import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from "typeorm";
import { CreatedAt, UpdatedAt } from "../db/columns.js";
import { ProviderEntity } from "../providers/provider.entity.js";

/** A provider's NetBox: where it is, how to reach it, what to mirror, and how far the mirror got. */
@Entity({ name: "netbox_connection" })
@Check("netbox_connection_token_format_check", `token_format IN ('v1', 'v2')`)
@Check(
  "netbox_connection_intervals_check",
  `incremental_interval_seconds >= 30 AND full_interval_seconds >= 300`,
)
export class NetboxConnectionEntity {
  @PrimaryColumn({ type: "uuid", name: "provider_id", primaryKeyConstraintName: "netbox_connection_pkey" })
  providerId: string;

  @ManyToOne(() => ProviderEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "provider_id", foreignKeyConstraintName: "netbox_connection_provider_fk" })
  provider?: Relation<ProviderEntity>;

  /** Base URL, e.g. https://netbox.example.net (a path prefix is kept). */
  @Column({ type: "text" }) url: string;

  /** The API token, sealed (secret-box.ts); never returned by the API. */
  @Column({ type: "text", name: "token_sealed" }) tokenSealed: string;
  @Column({ type: "text", name: "token_format" }) tokenFormat: "v1" | "v2";
  /** The token's last four characters, so people can tell which one is stored. */
  @Column({ type: "text", name: "token_hint" }) tokenHint: string;

  @Column({ type: "boolean", name: "tls_verify", default: true }) tlsVerify: boolean;
  /** Extra CA certificate(s), PEM: a NetBox behind a private CA. */
  @Column({ type: "text", name: "ca_certificate", nullable: true }) caCertificate: string | null;

  /** The kinds mirrored (netbox-client.ts NETBOX_KINDS). */
  @Column({ type: "text", array: true }) kinds: string[];

  /** NetBox tenants map to the provider's operator with the same slug, unless mapped explicitly. */
  @Column({ type: "boolean", name: "match_tenants_by_slug", default: true }) matchTenantsBySlug: boolean;

  /** The secret NetBox signs webhooks with, sealed; null refuses every webhook. */
  @Column({ type: "text", name: "webhook_secret_sealed", nullable: true }) webhookSecretSealed: string | null;

  @Column({ type: "boolean", name: "schedule_enabled", default: true }) scheduleEnabled: boolean;
  @Column({ type: "integer", name: "incremental_interval_seconds", default: 300 })
  incrementalIntervalSeconds: number;
  @Column({ type: "integer", name: "full_interval_seconds", default: 86_400 }) fullIntervalSeconds: number;

  /** The watermark: the last NetBox changelog entry the mirror includes (null before the first full sync). */
  @Column({ type: "bigint", name: "last_change_id", nullable: true }) lastChangeId: string | null;
  /** That entry's time in NetBox's clock; the changelog overlap is measured back from it. */
  @Column({ type: "timestamptz", name: "last_change_time", nullable: true }) lastChangeTime: Date | null;
  @Column({ type: "text", name: "netbox_version", nullable: true }) netboxVersion: string | null;

  @CreatedAt() createdAt: Date;
  @UpdatedAt() updatedAt: Date;
}
