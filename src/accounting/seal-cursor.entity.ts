import { Check, Column, Entity, PrimaryColumn } from "typeorm";

/** One row: the (transaction, event id) up to which every event is sealed. Its row lock serialises sealers. */
@Entity({ name: "accounting_seal_cursor" })
@Check("accounting_seal_cursor_one_row", `id = 1`)
export class SealCursorEntity {
  @PrimaryColumn({ type: "integer", primaryKeyConstraintName: "accounting_seal_cursor_pkey" }) id: number;

  @Column({ type: "bigint", name: "xact_id" }) xactId: string;

  @Column({ type: "bigint", name: "event_id" }) eventId: string;

  @Column({ type: "timestamptz", name: "updated_at", default: () => "now()" }) updatedAt: Date;
}
