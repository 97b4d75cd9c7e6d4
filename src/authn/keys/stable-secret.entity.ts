import { Column, Entity, PrimaryColumn } from "typeorm";
import { CreatedAt } from "../../db/columns.js";

/** Secrets every replica must share (cookie signing keys, the DPoP nonce secret), encrypted at rest. */
@Entity({ name: "auth_secret" })
export class StableSecretEntity {
  @PrimaryColumn({ type: "text" }) name: string;
  @Column({ type: "text", name: "value_sealed" }) valueSealed: string;
  @CreatedAt() createdAt: Date;
}
