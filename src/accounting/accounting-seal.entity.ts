import { Column, Entity, Index, PrimaryColumn } from "typeorm";

/**
 * An event's place in its hash chain, written by the sealer after the event committed. Kept apart from the
 * event so that event rows are never updated; like them, seals are only ever inserted. No foreign key to
 * the event: its per-row check was most of the cost of sealing, and verification reports a seal whose
 * event is gone anyway.
 */
@Entity({ name: "accounting_seal" })
@Index("accounting_seal_chain_seq_key", ["chain", "seq"], { unique: true })
export class AccountingSealEntity {
  @PrimaryColumn({ type: "bigint", name: "event_id", primaryKeyConstraintName: "accounting_seal_pkey" })
  eventId: string;

  /** The operator's id, or "provider" for provider-wide events. */
  @Column({ type: "text" }) chain: string;

  /** 1, 2, 3, … within the chain, without gaps. */
  @Column({ type: "bigint" }) seq: string;

  /** SHA-256 (hex) of the previous event of the chain; 64 zeros for the first. */
  @Column({ type: "text", name: "prev_hash" }) prevHash: string;

  /** SHA-256 (hex) of the canonical JSON (RFC 8785) of the event with chain, seq and prevHash. */
  @Column({ type: "text" }) hash: string;

  @Column({ type: "timestamptz", name: "sealed_at", default: () => "now()" }) sealedAt: Date;
}
