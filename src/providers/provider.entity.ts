import { Column, Entity, Index } from "typeorm";
import { CreatedAt, UpdatedAt, UuidPrimary, EMPTY_JSON } from "../db/columns.js";
import { ConflictOn } from "../db/conflicts.js";

@ConflictOn("provider_slug_key", "slug", "a provider with this slug exists already")
@Entity({ name: "provider" })
export class ProviderEntity {
  @UuidPrimary() id: string;

  @Index("provider_slug_key", { unique: true })
  @Column({ type: "text" })
  slug: string;

  @Column({ type: "text" }) name: string;

  @Column({ type: "text", name: "contact_email" }) contactEmail: string;

  /** JSON Schema of the provider's own bespoke info. */
  @Column({ type: "jsonb", name: "provider_info_schema", default: EMPTY_JSON })
  providerInfoSchema: object;

  /** JSON Schema of the bespoke info the provider keeps per operator. */
  @Column({ type: "jsonb", name: "operator_info_schema", default: EMPTY_JSON })
  operatorInfoSchema: object;

  @Column({ type: "jsonb", name: "bespoke_info", default: EMPTY_JSON })
  bespokeInfo: object;

  @CreatedAt() createdAt: Date;
  @UpdatedAt() updatedAt: Date;
}
