import { Check, Column, Entity, Index, JoinColumn, ManyToOne, type Relation } from "typeorm";
import { CreatedAt, UpdatedAt, UuidPrimary } from "../../db/columns.js";
import { OperatorEntity } from "../../operators/operator.entity.js";
import { ProviderEntity } from "../../providers/provider.entity.js";

export type ClientKind = "service_account" | "public";

/**
 * An OAuth client. A service account (client credentials, bound to an operator or a provider, with a
 * role) or a public frontend client (authorization code + PKCE, exact redirect URIs, no secret).
 */
@Entity({ name: "oidc_client" })
@Index("oidc_client_client_id_key", ["clientId"], { unique: true })
@Index("oidc_client_name_id_idx", ["name", "id"])
@Index("oidc_client_operator_idx", ["operatorId"], { where: "operator_id IS NOT NULL" })
@Index("oidc_client_provider_idx", ["providerId"], { where: "provider_id IS NOT NULL" })
@Check("oidc_client_kind_check", `kind IN ('service_account', 'public')`)
@Check(
  "oidc_client_binding_check",
  `(kind = 'public' AND operator_id IS NULL AND provider_id IS NULL AND secret_digest IS NULL)
   OR (kind = 'service_account' AND (operator_id IS NULL) <> (provider_id IS NULL) AND secret_digest IS NOT NULL AND role IS NOT NULL)`,
)
export class OidcClientEntity {
  @UuidPrimary() id: string;
  @Column({ type: "text", name: "client_id" }) clientId: string;
  @Column({ type: "text" }) kind: ClientKind;
  @Column({ type: "text" }) name: string;

  @Column({ type: "uuid", name: "operator_id", nullable: true }) operatorId: string | null;
  @ManyToOne(() => OperatorEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "operator_id", foreignKeyConstraintName: "oidc_client_operator_fk" })
  operator?: Relation<OperatorEntity>;

  @Column({ type: "uuid", name: "provider_id", nullable: true }) providerId: string | null;
  @ManyToOne(() => ProviderEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "provider_id", foreignKeyConstraintName: "oidc_client_provider_fk" })
  provider?: Relation<ProviderEntity>;

  /** The role the service account holds in its operator or provider (see the authorization rules). */
  @Column({ type: "text", nullable: true }) role: string | null;

  /** SHA-256 (hex) of the secret; the secret itself is shown once and never stored. */
  @Column({ type: "text", name: "secret_digest", nullable: true }) secretDigest: string | null;
  /** After a rotation the previous secret keeps working until previous_secret_expires_at. */
  @Column({ type: "text", name: "previous_secret_digest", nullable: true }) previousSecretDigest:
    string | null;
  @Column({ type: "timestamptz", name: "previous_secret_expires_at", nullable: true })
  previousSecretExpiresAt: Date | null;
  @Column({ type: "timestamptz", name: "secret_rotated_at", nullable: true }) secretRotatedAt: Date | null;

  @Column({ type: "text", name: "redirect_uris", array: true, default: () => "'{}'" }) redirectUris: string[];
  @Column({ type: "text", name: "post_logout_redirect_uris", array: true, default: () => "'{}'" })
  postLogoutRedirectUris: string[];

  @Column({ type: "boolean", default: false }) disabled: boolean;
  @CreatedAt() createdAt: Date;
  @UpdatedAt() updatedAt: Date;
}
