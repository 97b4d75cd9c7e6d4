import { Column, Entity, Index, PrimaryColumn } from "typeorm";

/**
 * Everything oidc-provider keeps (sessions, grants, interactions, codes, refresh tokens, replay
 * detection), one row per model instance. Rows past expires_at are never returned and purged later.
 */
@Entity({ name: "oidc_payload" })
@Index("oidc_payload_grant_id_idx", ["grantId"], { where: "grant_id IS NOT NULL" })
@Index("oidc_payload_uid_idx", ["uid"], { where: "uid IS NOT NULL" })
@Index("oidc_payload_user_code_idx", ["userCode"], { where: "user_code IS NOT NULL" })
@Index("oidc_payload_account_kind_idx", ["accountId", "kind"], { where: "account_id IS NOT NULL" })
@Index("oidc_payload_expires_at_idx", ["expiresAt"])
export class OidcPayloadEntity {
  /** The oidc-provider model name: Session, Grant, RefreshToken, AuthorizationCode, Interaction, ... */
  @PrimaryColumn({ type: "text" }) kind: string;
  @PrimaryColumn({ type: "text" }) id: string;

  @Column({ type: "jsonb" }) payload: object;

  @Column({ type: "text", name: "grant_id", nullable: true }) grantId: string | null;
  @Column({ type: "text", nullable: true }) uid: string | null;
  @Column({ type: "text", name: "user_code", nullable: true }) userCode: string | null;
  /** The user a session, grant or token belongs to, for "sessions of a user" and revoking them. */
  @Column({ type: "text", name: "account_id", nullable: true }) accountId: string | null;

  @Column({ type: "timestamptz", name: "expires_at", nullable: true }) expiresAt: Date | null;
  @Column({ type: "timestamptz", name: "consumed_at", nullable: true }) consumedAt: Date | null;
  @Column({ type: "timestamptz", name: "created_at", default: () => "now()" }) createdAt: Date;
}
