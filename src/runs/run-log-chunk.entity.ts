import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from "typeorm";
import { RunEntity } from "./run.entity.js";

/** A piece of a run's output, raw bytes; chunks of one run are contiguous in byte_offset. */
@Entity({ name: "run_log_chunk" })
@Check("run_log_chunk_stream_check", `stream IN ('stdout', 'stderr', 'meta')`)
export class RunLogChunkEntity {
  @PrimaryColumn({ type: "uuid", name: "run_id", primaryKeyConstraintName: "run_log_chunk_pkey" })
  runId: string;

  @PrimaryColumn({ type: "integer", name: "seq", primaryKeyConstraintName: "run_log_chunk_pkey" })
  seq: number;

  @ManyToOne(() => RunEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "run_id", foreignKeyConstraintName: "run_log_chunk_run_fk" })
  run?: Relation<RunEntity>;

  /** Where the chunk starts in the run's stored log. */
  @Column({ type: "bigint", name: "byte_offset" }) byteOffset: string;

  /** stdout or stderr of nixops4; meta for lines of our own (the truncation marker). */
  @Column({ type: "text" }) stream: "stdout" | "stderr" | "meta";

  @Column({ type: "bytea" }) data: Buffer;
}
