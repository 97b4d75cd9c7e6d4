import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Generated, plus by hand: runs may now be restores (TypeORM does not compare a check's expression, so the
 * changed run_action_check is replaced here). Down refuses while restore runs exist.
 */
export class BackupRestores1796523560025 implements MigrationInterface {
  name = "BackupRestores1796523560025";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "usage_backup" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "volume_id" uuid NOT NULL, "service_id" uuid NOT NULL, "operator_id" uuid NOT NULL, "service_type" text NOT NULL, "snapshot_bytes" bigint NOT NULL, "replica_bytes" bigint NOT NULL, "valid_from" TIMESTAMP WITH TIME ZONE NOT NULL, "valid_to" TIMESTAMP WITH TIME ZONE, CONSTRAINT "usage_backup_interval_check" CHECK (valid_to IS NULL OR valid_to >= valid_from), CONSTRAINT "PK_aeb596660384575f15e3cc2974d" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "usage_backup_one_open" ON "usage_backup"  ("volume_id") WHERE valid_to IS NULL',
    );
    await queryRunner.query(
      'CREATE INDEX "usage_backup_operator_from_idx" ON "usage_backup"  ("operator_id", "valid_from") ',
    );
    await queryRunner.query(
      'CREATE TABLE "backup_restore" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "seq" BIGSERIAL NOT NULL, "service_id" uuid NOT NULL, "deployment_id" uuid NOT NULL, "operator_id" uuid NOT NULL, "volume_id" uuid NOT NULL, "snapshot_guid" text NOT NULL, "point_in_time" TIMESTAMP WITH TIME ZONE, "state" text NOT NULL DEFAULT \'requested\', "note" text, "requested_by" jsonb NOT NULL, "request_id" text, "idempotency_key" text NOT NULL, "decided_by" jsonb, "decided_at" TIMESTAMP WITH TIME ZONE, "decision_reason" text, "run_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "backup_restore_decided_check" CHECK ((state = \'requested\') = (decided_at IS NULL)), CONSTRAINT "backup_restore_state_check" CHECK (state IN (\'requested\', \'approved\', \'rejected\')), CONSTRAINT "PK_008a8e786f08d2d7c280c592129" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "backup_restore_snapshot_idx" ON "backup_restore"  ("volume_id", "snapshot_guid") ',
    );
    await queryRunner.query(
      'CREATE INDEX "backup_restore_operator_seq_idx" ON "backup_restore"  ("operator_id", "seq") ',
    );
    await queryRunner.query(
      'CREATE INDEX "backup_restore_service_seq_idx" ON "backup_restore"  ("service_id", "seq") ',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "backup_restore_seq_key" ON "backup_restore"  ("seq") ');
    await queryRunner.query('CREATE UNIQUE INDEX "backup_restore_run_key" ON "backup_restore"  ("run_id") ');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "backup_restore_deployment_idempotency_key_key" ON "backup_restore"  ("deployment_id", "idempotency_key") ',
    );
    await queryRunner.query(
      'CREATE TABLE "backup_restore_setting" ("provider_id" uuid NOT NULL, "approval_required" boolean NOT NULL DEFAULT true, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "backup_restore_setting_pkey" PRIMARY KEY ("provider_id"))',
    );
    await queryRunner.query(
      'ALTER TABLE "backup_restore" ADD CONSTRAINT "backup_restore_service_fk" FOREIGN KEY ("service_id") REFERENCES "service"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "backup_restore" ADD CONSTRAINT "backup_restore_deployment_fk" FOREIGN KEY ("deployment_id") REFERENCES "deployment"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "backup_restore" ADD CONSTRAINT "backup_restore_operator_fk" FOREIGN KEY ("operator_id") REFERENCES "operator"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "backup_restore" ADD CONSTRAINT "backup_restore_snapshot_fk" FOREIGN KEY ("volume_id", "snapshot_guid") REFERENCES "backup_snapshot"("volume_id","guid") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "backup_restore" ADD CONSTRAINT "backup_restore_run_fk" FOREIGN KEY ("run_id") REFERENCES "run"("id") ON DELETE SET NULL ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "backup_restore_setting" ADD CONSTRAINT "backup_restore_setting_provider_fk" FOREIGN KEY ("provider_id") REFERENCES "provider"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      `ALTER TABLE run DROP CONSTRAINT run_action_check, ADD CONSTRAINT run_action_check CHECK (action IN ('apply', 'restore'))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE run DROP CONSTRAINT run_action_check, ADD CONSTRAINT run_action_check CHECK (action IN ('apply'))`,
    );
    await queryRunner.query(
      'ALTER TABLE "backup_restore_setting" DROP CONSTRAINT "backup_restore_setting_provider_fk"',
    );
    await queryRunner.query('ALTER TABLE "backup_restore" DROP CONSTRAINT "backup_restore_run_fk"');
    await queryRunner.query('ALTER TABLE "backup_restore" DROP CONSTRAINT "backup_restore_snapshot_fk"');
    await queryRunner.query('ALTER TABLE "backup_restore" DROP CONSTRAINT "backup_restore_operator_fk"');
    await queryRunner.query('ALTER TABLE "backup_restore" DROP CONSTRAINT "backup_restore_deployment_fk"');
    await queryRunner.query('ALTER TABLE "backup_restore" DROP CONSTRAINT "backup_restore_service_fk"');
    await queryRunner.query('DROP TABLE "backup_restore_setting"');
    await queryRunner.query('DROP INDEX "public"."backup_restore_deployment_idempotency_key_key"');
    await queryRunner.query('DROP INDEX "public"."backup_restore_run_key"');
    await queryRunner.query('DROP INDEX "public"."backup_restore_seq_key"');
    await queryRunner.query('DROP INDEX "public"."backup_restore_service_seq_idx"');
    await queryRunner.query('DROP INDEX "public"."backup_restore_operator_seq_idx"');
    await queryRunner.query('DROP INDEX "public"."backup_restore_snapshot_idx"');
    await queryRunner.query('DROP TABLE "backup_restore"');
    await queryRunner.query('DROP INDEX "public"."usage_backup_operator_from_idx"');
    await queryRunner.query('DROP INDEX "public"."usage_backup_one_open"');
    await queryRunner.query('DROP TABLE "usage_backup"');
  }
}
