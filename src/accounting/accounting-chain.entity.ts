import { Column, Entity, PrimaryColumn } from "typeorm";

/** The head of one hash chain: its last sequence number and hash. Only the sealer moves it. */
@Entity({ name: "accounting_chain" })
export class AccountingChainEntity {
  /** The operator's id, or "provider". */
  @PrimaryColumn({ type: "text", primaryKeyConstraintName: "accounting_chain_pkey" }) chain: string;

  @Column({ type: "bigint" }) seq: string;

  @Column({ type: "text", name: "head_hash" }) headHash: string;

  @Column({ type: "timestamptz", name: "updated_at", default: () => "now()" }) updatedAt: Date;
}
