import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";

/** A chain head signed with the accounting key: nobody without the key can rewrite the chain up to it. */
@Entity({ name: "accounting_checkpoint" })
@Index("accounting_checkpoint_chain_seq_idx", ["chain", "seq"])
@Index("accounting_checkpoint_chain_number_key", ["chain", "number"], { unique: true })
export class CheckpointEntity {
  @PrimaryGeneratedColumn({
    type: "bigint",
    name: "id",
    primaryKeyConstraintName: "accounting_checkpoint_pkey",
  })
  id: string;

  @Column({ type: "text" }) chain: string;

  @Column({ type: "bigint" }) seq: string;

  @Column({ type: "text", name: "head_hash" }) headHash: string;

  /** Part of the signed payload, so kept at the millisecond precision it was signed with. */
  @Column({ type: "timestamptz", name: "signed_at" }) signedAt: Date;

  @Column({ type: "text", name: "key_id" }) keyId: string;

  /** 1, 2, 3, … per chain, so that a deleted checkpoint leaves a gap. */
  @Column({ type: "bigint" }) number: string;

  /** SHA-256 of the signed bytes of the chain's previous checkpoint (64 zeros for the first). */
  @Column({ type: "text", name: "prev_checkpoint_hash" }) prevCheckpointHash: string;

  /** Which bytes the signature covers: 1 for checkpoints signed before they were numbered, else 2. */
  @Column({ type: "smallint" }) version: number;

  /** Ed25519 signature (base64url) over the canonical JSON of the checkpoint. */
  @Column({ type: "text" }) signature: string;
}
