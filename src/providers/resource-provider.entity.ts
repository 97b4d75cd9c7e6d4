import { JoinColumn, ManyToOne, type Relation, Check, Column, Entity, Index } from "typeorm";
import { ProviderEntity } from "./provider.entity.js";
import { CreatedAt, UuidPrimary, EMPTY_JSON } from "../db/columns.js";
import { ConflictOn } from "../db/conflicts.js";

export const COMPONENT_TYPES = [
  "virtualisation",
  "dns",
  "secrets",
  "mail",
  "blob-storage",
  "block-storage",
  "configuration",
] as const;
export type ComponentType = (typeof COMPONENT_TYPES)[number];

@ConflictOn(
  "resource_provider_provider_type_impl_key",
  "implementation",
  "this resource provider exists already",
)
@Entity({ name: "resource_provider" })
@Index("resource_provider_provider_type_impl_key", ["providerId", "componentType", "implementation"], {
  unique: true,
})
@Check(
  "resource_provider_component_type_check",
  `component_type IN (${COMPONENT_TYPES.map((t) => `'${t}'`).join(", ")})`,
)
export class ResourceProviderEntity {
  @UuidPrimary() id: string;

  @Column({ type: "uuid", name: "provider_id" }) providerId: string;

  @ManyToOne(() => ProviderEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "provider_id", foreignKeyConstraintName: "resource_provider_provider_fk" })
  provider?: Relation<ProviderEntity>;

  @Column({ type: "text", name: "component_type" }) componentType: ComponentType;

  @Column({ type: "text" }) implementation: string;

  /** Non-secret settings only; secrets live in the secrets core service. */
  @Column({ type: "jsonb", default: EMPTY_JSON }) settings: object;

  @CreatedAt() createdAt: Date;
}
