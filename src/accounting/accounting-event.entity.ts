import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";

export type Initiator = {
  kind: "user" | "client" | "system" | "anonymous";
  id: string | null;
  name: string | null;
  ip: string | null;
  userAgent: string | null;
};

/** One CADF-shaped record of who did what; rows are only ever inserted. */
@Entity({ name: "accounting_event" })
@Index("accounting_event_operator_time_idx", ["operatorId", "occurredAt"])
export class AccountingEventEntity {
  @PrimaryGeneratedColumn({ type: "bigint", name: "id" }) id: string;

  @Column({ type: "timestamptz", name: "occurred_at", default: () => "now()" }) occurredAt: Date;

  @Column({ type: "text", name: "event_type" }) eventType: "activity" | "monitor" | "control";

  @Column({ type: "text" }) action: string;

  @Column({ type: "text" }) outcome: "success" | "failure" | "pending";

  @Column({ type: "jsonb" }) initiator: Initiator;

  @Column({ type: "text", name: "target_kind" }) targetKind: string;

  @Column({ type: "text", name: "target_id", nullable: true }) targetId: string | null;

  @Column({ type: "uuid", name: "operator_id", nullable: true }) operatorId: string | null;

  @Column({ type: "text", nullable: true }) reason: string | null;

  @Column({ type: "text", name: "request_id", nullable: true }) requestId: string | null;

  /** For updates: { field: { before, after } }; secrets appear only as "changed". */
  @Column({ type: "jsonb", nullable: true }) changes: Record<
    string,
    { before: unknown; after: unknown }
  > | null;
}
