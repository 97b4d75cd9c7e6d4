import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  type Relation,
} from "typeorm";
import { OperatorEntity } from "../operators/operator.entity.js";
import { ProviderEntity } from "../providers/provider.entity.js";

/** An explicit NetBox tenant → operator link; it overrides slug matching (a null operator: no operator). */
@Entity({ name: "netbox_tenant_mapping" })
export class NetboxTenantMappingEntity {
  @PrimaryColumn({
    type: "uuid",
    name: "provider_id",
    primaryKeyConstraintName: "netbox_tenant_mapping_pkey",
  })
  providerId: string;
  @PrimaryColumn({
    type: "integer",
    name: "netbox_tenant_id",
    primaryKeyConstraintName: "netbox_tenant_mapping_pkey",
  })
  netboxTenantId: number;

  @ManyToOne(() => ProviderEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "provider_id", foreignKeyConstraintName: "netbox_tenant_mapping_provider_fk" })
  provider?: Relation<ProviderEntity>;

  @Column({ type: "uuid", name: "operator_id", nullable: true }) operatorId: string | null;

  @ManyToOne(() => OperatorEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "operator_id", foreignKeyConstraintName: "netbox_tenant_mapping_operator_fk" })
  operator?: Relation<OperatorEntity>;

  @CreateDateColumn({ type: "timestamptz", name: "created_at" }) createdAt: Date;
}
