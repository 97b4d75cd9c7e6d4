import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";

export type Initiator = {
  kind: "user" | "client" | "system" | "anonymous";
  id: string | null;
  name: string | null;
  ip: string | null;
  userAgent: string | null;
  /** Present when the event summarises more than one attempt (a failure tally, a request's refusals). */
  attempts?: number;
};

/** One CADF-shaped record of who did what; rows are only ever inserted. */
@Entity({ name: "accounting_event" })
@Index("accounting_event_operator_time_idx", ["operatorId", "occurredAt"])
@Index("accounting_event_time_idx", ["occurredAt", "id"])
// The sealer reads events in (writing transaction, id) order.
@Index("accounting_event_xact_idx", ["xactId", "id"])
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

  /** CADF observer: the service that saw the action and recorded it. */
  @Column({ type: "text", default: "fedicentral" }) observer: string;

  /**
   * The id of the transaction that wrote the event: once every transaction below a bound has ended, no
   * event below it can still appear, so the sealer can link them into their chains for good.
   * txid_current() is pg_current_xact_id() as a bigint; the cast-free form keeps the schema diff stable.
   */
  @Column({ type: "bigint", name: "xact_id", default: () => "txid_current()" })
  xactId: string;

  /** For updates: { field: { before, after } }; secrets appear only as "changed". */
  @Column({ type: "jsonb", nullable: true }) changes: Record<
    string,
    { before: unknown; after: unknown }
  > | null;
}
