import { Column, Entity, Index, PrimaryColumn } from "typeorm";

/**
 * Failed sign-ins per account (key "account:<email>", whether or not the account exists) and per client
 * IP ("ip:<address>"), counted atomically so parallel attempts are all counted.
 */
@Entity({ name: "login_throttle" })
@Index("login_throttle_updated_at_idx", ["updatedAt"])
export class LoginThrottleEntity {
  @PrimaryColumn({ type: "text" }) key: string;
  @Column({ type: "integer", default: 0 }) failures: number;
  /** No attempt is checked before this time. */
  @Column({ type: "timestamptz", name: "blocked_until", nullable: true }) blockedUntil: Date | null;
  @Column({ type: "timestamptz", name: "updated_at", default: () => "now()" }) updatedAt: Date;
}
