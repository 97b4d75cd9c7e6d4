import { Check, Column, Entity, Index } from "typeorm";
import { CreatedAt, UuidPrimary } from "../../db/columns.js";

/**
 * A token signing key. The newest active key of each algorithm signs; retired keys stay published for
 * verification until expires_at, then they are gone.
 */
@Entity({ name: "signing_key" })
@Index("signing_key_kid_key", ["kid"], { unique: true })
@Check("signing_key_alg_check", `alg IN ('ES256', 'RS256')`)
export class SigningKeyEntity {
  @UuidPrimary() id: string;
  @Column({ type: "text" }) kid: string;
  @Column({ type: "text" }) alg: "ES256" | "RS256";
  /** The private JWK, encrypted with the key-encryption key (SecretBox, label signing_key:<kid>). */
  @Column({ type: "text", name: "private_jwk_sealed" }) privateJwkSealed: string;
  @Column({ type: "jsonb", name: "public_jwk" }) publicJwk: Record<string, unknown>;
  @CreatedAt() createdAt: Date;
  /** When a newer key took over signing; null while this one signs. */
  @Column({ type: "timestamptz", name: "retired_at", nullable: true }) retiredAt: Date | null;
  /** After this, tokens it signed are refused and it is no longer published. */
  @Column({ type: "timestamptz", name: "expires_at", nullable: true }) expiresAt: Date | null;
}
