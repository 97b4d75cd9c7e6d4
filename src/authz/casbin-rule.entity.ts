import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from "typeorm";

/**
 * One Casbin policy line, in the column layout every Casbin adapter shares (ptype, v0..v5):
 * `p, <role>, <object>, <action>` grants a permission to a role (written by migrations only);
 * `g, <subject>, <role>, <domain>` grants a role to a subject in a domain.
 * Enforcers read it per domain (policy-adapter.ts); grants are written by policy-store.ts only.
 */
@Entity({ name: "casbin_rule" })
@Index("casbin_rule_line_key", ["ptype", "v0", "v1", "v2"], { unique: true })
@Index("casbin_rule_domain_idx", ["ptype", "v2"])
@Check("casbin_rule_ptype_check", `ptype IN ('p', 'g')`)
export class CasbinRuleEntity {
  @PrimaryGeneratedColumn({ type: "bigint", name: "id" }) id: string;

  @Column({ type: "text" }) ptype: string;
  @Column({ type: "text" }) v0: string;
  @Column({ type: "text" }) v1: string;
  @Column({ type: "text" }) v2: string;
  @Column({ type: "text", nullable: true }) v3: string | null;
  @Column({ type: "text", nullable: true }) v4: string | null;
  @Column({ type: "text", nullable: true }) v5: string | null;

  @CreateDateColumn({ type: "timestamptz", name: "created_at" }) createdAt: Date;
}
