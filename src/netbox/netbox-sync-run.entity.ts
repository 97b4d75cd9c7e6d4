import { Check, Column, Entity, Generated, Index, JoinColumn, ManyToOne, type Relation } from "typeorm";
import type { Initiator } from "../accounting/accounting-event.entity.js";
import { EMPTY_JSON, UuidPrimary } from "../db/columns.js";
import { ProviderEntity } from "../providers/provider.entity.js";

export type SyncMode = "full" | "incremental";
export type SyncTrigger = "manual" | "schedule" | "cli";
export type SyncState = "queued" | "running" | "succeeded" | "failed";

/** One full or incremental NetBox sync of a provider, with its counts and what went wrong. */
@Entity({ name: "netbox_sync_run" })
// At most one queued or running sync per provider, enforced by the database (the scheduler relies on it).
@Index("netbox_sync_run_one_active_per_provider", ["providerId"], {
  unique: true,
  where: "state IN ('queued', 'running')",
})
@Index("netbox_sync_run_provider_seq_idx", ["providerId", "seq"])
@Index("netbox_sync_run_state_seq_idx", ["state", "seq"])
@Check("netbox_sync_run_mode_check", `mode IN ('full', 'incremental')`)
@Check("netbox_sync_run_trigger_check", `trigger IN ('manual', 'schedule', 'cli')`)
@Check("netbox_sync_run_state_check", `state IN ('queued', 'running', 'succeeded', 'failed')`)
export class NetboxSyncRunEntity {
  @UuidPrimary() id: string;

  @Column({ type: "bigint" })
  @Generated("increment")
  seq: string;

  @Column({ type: "uuid", name: "provider_id" }) providerId: string;

  @ManyToOne(() => ProviderEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "provider_id", foreignKeyConstraintName: "netbox_sync_run_provider_fk" })
  provider?: Relation<ProviderEntity>;

  /** What was asked for; an incremental sync without a watermark runs as full (see `reason`). */
  @Column({ type: "text" }) mode: SyncMode;
  @Column({ type: "text" }) trigger: SyncTrigger;
  @Column({ type: "text", default: "queued" }) state: SyncState;

  @Column({ type: "timestamptz", name: "queued_at", default: () => "now()" }) queuedAt: Date;
  @Column({ type: "timestamptz", name: "started_at", nullable: true }) startedAt: Date | null;
  @Column({ type: "timestamptz", name: "finished_at", nullable: true }) finishedAt: Date | null;
  @Column({ type: "text", name: "worker_id", nullable: true }) workerId: string | null;

  /** NetBox list pages read (object listings and changelog). */
  @Column({ type: "integer", default: 0 }) pages: number;
  @Column({ type: "integer", default: 0 }) created: number;
  @Column({ type: "integer", default: 0 }) updated: number;
  @Column({ type: "integer", default: 0 }) deleted: number;
  @Column({ type: "integer", default: 0 }) unchanged: number;
  /** Malformed objects left out. */
  @Column({ type: "integer", default: 0 }) skipped: number;
  /** The same counts per kind: { devices: { created, … } }. */
  @Column({ type: "jsonb", name: "kind_counts", default: EMPTY_JSON }) kindCounts: object;
  /** Objects skipped and warnings: [{ kind, netboxId, reason }], the first 200. */
  @Column({ type: "jsonb", default: () => "'[]'" }) issues: object[];
  /** Live while running: { kind, fetched, total }. */
  @Column({ type: "jsonb", nullable: true }) progress: object | null;
  /** Why the run failed (or a note on how it ran). */
  @Column({ type: "text", nullable: true }) reason: string | null;

  @Column({ type: "bigint", name: "watermark_before", nullable: true }) watermarkBefore: string | null;
  @Column({ type: "bigint", name: "watermark_after", nullable: true }) watermarkAfter: string | null;
  @Column({ type: "text", name: "netbox_version", nullable: true }) netboxVersion: string | null;

  @Column({ type: "jsonb" }) initiator: Initiator;
  @Column({ type: "text", name: "request_id", nullable: true }) requestId: string | null;
}
