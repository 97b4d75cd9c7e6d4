import { Column, Entity, Index, PrimaryColumn } from "typeorm";

/**
 * Attempts an anonymous client made and that failed, counted per window, source and kind of failure
 * (action, target, reason). Mutable and short-lived: the accounting worker turns each into one event when
 * its window has closed, deleting it in the same transaction.
 */
@Entity({ name: "accounting_failure_tally" })
@Index("accounting_failure_tally_window_end_idx", ["windowEnd"])
export class FailureTallyEntity {
  @PrimaryColumn({ type: "timestamptz", name: "window_start" }) windowStart: Date;

  /** An IPv4 address, an IPv6 /64, "unknown", or "other sources" past the cap. */
  @PrimaryColumn({ type: "text" }) source: string;

  @PrimaryColumn({ type: "text" }) action: string;

  @PrimaryColumn({ type: "text", name: "target_kind" }) targetKind: string;

  /** Empty for none (a key column cannot be null); stored as null in the event. */
  @PrimaryColumn({ type: "text", name: "target_id", default: "" }) targetId: string;

  @PrimaryColumn({ type: "text" }) reason: string;

  @Column({ type: "timestamptz", name: "window_end" }) windowEnd: Date;

  @Column({ type: "integer", default: 1 }) attempts: number;

  /** Of the first attempt counted. */
  @Column({ type: "text", name: "user_agent", nullable: true }) userAgent: string | null;

  @Column({ type: "text", name: "request_id", nullable: true }) requestId: string | null;
}
