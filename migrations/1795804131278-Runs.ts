import type { MigrationInterface, QueryRunner } from "typeorm";

export class Runs1795804131278 implements MigrationInterface {
  name = "Runs1795804131278";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "run" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "seq" BIGSERIAL NOT NULL, "deployment_id" uuid NOT NULL, "action" text NOT NULL DEFAULT \'apply\', "state" text NOT NULL DEFAULT \'queued\', "config" jsonb NOT NULL, "config_hash" text NOT NULL, "generation" integer NOT NULL, "initiator" jsonb NOT NULL, "request_id" text, "idempotency_key" text, "queued_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "cancel_requested_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, "heartbeat_at" TIMESTAMP WITH TIME ZONE, "worker_id" text, "exit_code" integer, "signal" text, "reason" text, "log_omitted_bytes" bigint NOT NULL DEFAULT \'0\', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "run_action_check" CHECK (action IN (\'apply\')), CONSTRAINT "run_state_check" CHECK (state IN (\'queued\', \'running\', \'canceling\', \'succeeded\', \'failed\', \'errored\', \'canceled\')), CONSTRAINT "PK_804c38ffba92002c6d2c646dd46" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "run_state_seq_idx" ON "run"  ("state", "seq") ');
    await queryRunner.query('CREATE INDEX "run_deployment_seq_idx" ON "run"  ("deployment_id", "seq") ');
    await queryRunner.query('CREATE UNIQUE INDEX "run_seq_key" ON "run"  ("seq") ');
    await queryRunner.query('CREATE UNIQUE INDEX "run_idempotency_key_key" ON "run"  ("idempotency_key") ');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "run_one_active_per_deployment" ON "run"  ("deployment_id") WHERE state IN (\'running\', \'canceling\')',
    );
    await queryRunner.query(
      'CREATE TABLE "run_log_chunk" ("run_id" uuid NOT NULL, "seq" integer NOT NULL, "byte_offset" bigint NOT NULL, "stream" text NOT NULL, "data" bytea NOT NULL, CONSTRAINT "run_log_chunk_stream_check" CHECK (stream IN (\'stdout\', \'stderr\', \'meta\')), CONSTRAINT "run_log_chunk_pkey" PRIMARY KEY ("run_id", "seq"))',
    );
    await queryRunner.query(
      'ALTER TABLE "run" ADD CONSTRAINT "run_deployment_fk" FOREIGN KEY ("deployment_id") REFERENCES "deployment"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "run_log_chunk" ADD CONSTRAINT "run_log_chunk_run_fk" FOREIGN KEY ("run_id") REFERENCES "run"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "run_log_chunk" DROP CONSTRAINT "run_log_chunk_run_fk"');
    await queryRunner.query('ALTER TABLE "run" DROP CONSTRAINT "run_deployment_fk"');
    await queryRunner.query('DROP TABLE "run_log_chunk"');
    await queryRunner.query('DROP INDEX "public"."run_one_active_per_deployment"');
    await queryRunner.query('DROP INDEX "public"."run_idempotency_key_key"');
    await queryRunner.query('DROP INDEX "public"."run_seq_key"');
    await queryRunner.query('DROP INDEX "public"."run_deployment_seq_idx"');
    await queryRunner.query('DROP INDEX "public"."run_state_seq_idx"');
    await queryRunner.query('DROP TABLE "run"');
  }
}
