import { Column, Entity, Index, PrimaryColumn } from "typeorm";

/**
 * Access tokens issued at or before cut_at are refused, for every token the key names: a principal
 * ("sub:user:<id>", "sub:client:<id>"), an OAuth client ("client:<client_id>") or a grant ("grant:<id>").
 * JWT access tokens cannot be withdrawn one by one; this ends them all at once, in every replica.
 */
@Entity({ name: "token_cutoff" })
@Index("token_cutoff_expires_at_idx", ["expiresAt"])
export class TokenCutoffEntity {
  @PrimaryColumn({ type: "text" }) key: string;
  @Column({ type: "timestamptz", name: "cut_at" }) cutAt: Date;
  /** After this no token issued before cut_at is alive any more: the row can go. */
  @Column({ type: "timestamptz", name: "expires_at" }) expiresAt: Date;
}
