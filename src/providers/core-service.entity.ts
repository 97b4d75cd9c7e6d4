import { JoinColumn, ManyToOne, type Relation, Check, Column, Entity, Index } from "typeorm";
import { ProviderEntity } from "./provider.entity.js";
import { CreatedAt, UuidPrimary, EMPTY_JSON } from "../db/columns.js";

export const CORE_SERVICE_KINDS = ["dns", "mail", "secrets"] as const;
export type CoreServiceKind = (typeof CORE_SERVICE_KINDS)[number];

@Entity({ name: "core_service" })
@Index("core_service_provider_kind_name_key", ["providerId", "kind", "name"], { unique: true })
@Check("core_service_kind_check", `kind IN (${CORE_SERVICE_KINDS.map((t) => `'${t}'`).join(", ")})`)
export class CoreServiceEntity {
  @UuidPrimary() id: string;

  @Column({ type: "uuid", name: "provider_id" }) providerId: string;

  @ManyToOne(() => ProviderEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "provider_id", foreignKeyConstraintName: "core_service_provider_fk" })
  provider?: Relation<ProviderEntity>;

  @Column({ type: "text" }) kind: CoreServiceKind;

  @Column({ type: "text" }) name: string;

  @Column({ type: "text" }) endpoint: string;

  @Column({ type: "jsonb", default: EMPTY_JSON }) settings: object;

  @CreatedAt() createdAt: Date;
}
