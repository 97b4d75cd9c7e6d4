import { Column, Entity, Index } from "typeorm";
import { CreatedAt, UpdatedAt, UuidPrimary } from "../../db/columns.js";
import { ConflictOn } from "../../db/conflicts.js";

/** A person who signs in. "user" is a reserved word in PostgreSQL, hence the table name. */
@ConflictOn("app_user_email_key", "email", "a user with this email exists already")
@Entity({ name: "app_user" })
@Index("app_user_email_key", ["email"], { unique: true })
@Index("app_user_display_name_id_idx", ["displayName", "id"])
export class UserEntity {
  @UuidPrimary() id: string;
  /** Stored lower-cased, so uniqueness is case-insensitive. */
  @Column({ type: "text" }) email: string;
  @Column({ type: "text", name: "display_name" }) displayName: string;
  /** scrypt$N$r$p$salt$hash (see passwords.ts); null means no password login. */
  @Column({ type: "text", name: "password_hash", nullable: true }) passwordHash: string | null;
  @Column({ type: "boolean", default: false }) disabled: boolean;
  /** The TOTP secret (SecretBox, label totp:<user id>); enrolment is pending until totp_enabled_at. */
  @Column({ type: "text", name: "totp_secret_sealed", nullable: true }) totpSecretSealed: string | null;
  @Column({ type: "timestamptz", name: "totp_enabled_at", nullable: true }) totpEnabledAt: Date | null;
  /** The last TOTP time step accepted, so one code cannot be used twice. */
  @Column({ type: "bigint", name: "totp_last_step", nullable: true }) totpLastStep: string | null;
  /** SHA-256 (hex) of each unused recovery code. */
  @Column({ type: "text", name: "recovery_code_digests", array: true, default: () => "'{}'" })
  recoveryCodeDigests: string[];
  @Column({ type: "timestamptz", name: "last_login_at", nullable: true }) lastLoginAt: Date | null;
  @CreatedAt() createdAt: Date;
  @UpdatedAt() updatedAt: Date;
}
