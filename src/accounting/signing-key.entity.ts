import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from "typeorm";

/** An Ed25519 key that signs checkpoints; the private half only ever stored encrypted. */
@Entity({ name: "accounting_signing_key" })
// At most one key signs at a time; retired keys stay so old checkpoints can still be checked.
@Index("accounting_signing_key_one_active", ["active"], { unique: true, where: "active" })
export class AccountingSigningKeyEntity {
  /** First 16 hex digits of the SHA-256 of the raw public key. */
  @PrimaryColumn({ type: "text", name: "key_id", primaryKeyConstraintName: "accounting_signing_key_pkey" })
  keyId: string;

  /** The raw 32-byte public key, base64url. */
  @Column({ type: "text", name: "public_key" }) publicKey: string;

  /** AES-256-GCM of the PKCS#8 private key under ACCOUNTING_SIGNING_KEY_SECRET, bound to the key id. */
  @Column({ type: "text", name: "encrypted_private_key" }) encryptedPrivateKey: string;

  @Column({ type: "boolean" }) active: boolean;

  @CreateDateColumn({ type: "timestamptz", name: "created_at" }) createdAt: Date;

  @Column({ type: "timestamptz", name: "retired_at", nullable: true }) retiredAt: Date | null;
}
