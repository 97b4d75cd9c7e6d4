import type { MigrationInterface, QueryRunner } from "typeorm";

export class Accounting1795807948840 implements MigrationInterface {
  name = "Accounting1795807948840";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "accounting_chain" ("chain" text NOT NULL, "seq" bigint NOT NULL, "head_hash" text NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "accounting_chain_pkey" PRIMARY KEY ("chain"))',
    );
    await queryRunner.query(
      'CREATE TABLE "accounting_seal" ("event_id" bigint NOT NULL, "chain" text NOT NULL, "seq" bigint NOT NULL, "prev_hash" text NOT NULL, "hash" text NOT NULL, "sealed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "accounting_seal_pkey" PRIMARY KEY ("event_id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "accounting_seal_chain_seq_key" ON "accounting_seal"  ("chain", "seq") ',
    );
    await queryRunner.query(
      'CREATE TABLE "accounting_checkpoint" ("id" BIGSERIAL NOT NULL, "chain" text NOT NULL, "seq" bigint NOT NULL, "head_hash" text NOT NULL, "signed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "key_id" text NOT NULL, "signature" text NOT NULL, CONSTRAINT "accounting_checkpoint_pkey" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "accounting_checkpoint_chain_seq_idx" ON "accounting_checkpoint"  ("chain", "seq") ',
    );
    await queryRunner.query(
      'CREATE TABLE "accounting_seal_cursor" ("id" integer NOT NULL, "xact_id" bigint NOT NULL, "event_id" bigint NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "accounting_seal_cursor_one_row" CHECK (id = 1), CONSTRAINT "accounting_seal_cursor_pkey" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE TABLE "accounting_signing_key" ("key_id" text NOT NULL, "public_key" text NOT NULL, "encrypted_private_key" text NOT NULL, "active" boolean NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "retired_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "accounting_signing_key_pkey" PRIMARY KEY ("key_id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "accounting_signing_key_one_active" ON "accounting_signing_key"  ("active") WHERE active',
    );
    await queryRunner.query(
      'CREATE TABLE "usage_quota" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "operator_id" uuid NOT NULL, "storage_gib" integer NOT NULL, "vcpus" integer NOT NULL, "memory_gib" integer NOT NULL, "valid_from" TIMESTAMP WITH TIME ZONE NOT NULL, "valid_to" TIMESTAMP WITH TIME ZONE, CONSTRAINT "usage_quota_interval_check" CHECK (valid_to IS NULL OR valid_to >= valid_from), CONSTRAINT "PK_d8804f0f32262882e23fd1e27d4" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "usage_quota_one_open" ON "usage_quota"  ("operator_id") WHERE valid_to IS NULL',
    );
    await queryRunner.query(
      'CREATE INDEX "usage_quota_operator_from_idx" ON "usage_quota"  ("operator_id", "valid_from") ',
    );
    await queryRunner.query(
      'CREATE TABLE "usage_service" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "service_id" uuid NOT NULL, "deployment_id" uuid NOT NULL, "operator_id" uuid NOT NULL, "service_type" text NOT NULL, "enabled_from" TIMESTAMP WITH TIME ZONE NOT NULL, "disabled_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "usage_service_interval_check" CHECK (disabled_at IS NULL OR disabled_at >= enabled_from), CONSTRAINT "PK_830eeadc5d6415d0d94bc7addfa" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "usage_service_one_open" ON "usage_service"  ("service_id") WHERE disabled_at IS NULL',
    );
    await queryRunner.query(
      'CREATE INDEX "usage_service_operator_from_idx" ON "usage_service"  ("operator_id", "enabled_from") ',
    );
    await queryRunner.query(
      'CREATE TABLE "usage_storage" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "service_id" uuid NOT NULL, "deployment_id" uuid NOT NULL, "operator_id" uuid NOT NULL, "service_type" text NOT NULL, "block_storage_gib" integer NOT NULL, "blob_storage_gib" integer NOT NULL, "valid_from" TIMESTAMP WITH TIME ZONE NOT NULL, "valid_to" TIMESTAMP WITH TIME ZONE, CONSTRAINT "usage_storage_interval_check" CHECK (valid_to IS NULL OR valid_to >= valid_from), CONSTRAINT "PK_f2d399d1b163e5b2ee8bf0d68ae" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "usage_storage_one_open" ON "usage_storage"  ("service_id") WHERE valid_to IS NULL',
    );
    await queryRunner.query(
      'CREATE INDEX "usage_storage_operator_from_idx" ON "usage_storage"  ("operator_id", "valid_from") ',
    );
    await queryRunner.query(
      'ALTER TABLE "accounting_event" ADD "observer" text NOT NULL DEFAULT \'fedicentral\'',
    );
    await queryRunner.query(
      'ALTER TABLE "accounting_event" ADD "xact_id" bigint NOT NULL DEFAULT txid_current()',
    );
    await queryRunner.query(
      'CREATE INDEX "accounting_event_xact_idx" ON "accounting_event"  ("xact_id", "id") ',
    );
    await queryRunner.query(
      'CREATE INDEX "accounting_event_time_idx" ON "accounting_event"  ("occurred_at", "id") ',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."accounting_event_time_idx"');
    await queryRunner.query('DROP INDEX "public"."accounting_event_xact_idx"');
    await queryRunner.query('ALTER TABLE "accounting_event" DROP COLUMN "xact_id"');
    await queryRunner.query('ALTER TABLE "accounting_event" DROP COLUMN "observer"');
    await queryRunner.query('DROP INDEX "public"."usage_storage_operator_from_idx"');
    await queryRunner.query('DROP INDEX "public"."usage_storage_one_open"');
    await queryRunner.query('DROP TABLE "usage_storage"');
    await queryRunner.query('DROP INDEX "public"."usage_service_operator_from_idx"');
    await queryRunner.query('DROP INDEX "public"."usage_service_one_open"');
    await queryRunner.query('DROP TABLE "usage_service"');
    await queryRunner.query('DROP INDEX "public"."usage_quota_operator_from_idx"');
    await queryRunner.query('DROP INDEX "public"."usage_quota_one_open"');
    await queryRunner.query('DROP TABLE "usage_quota"');
    await queryRunner.query('DROP INDEX "public"."accounting_signing_key_one_active"');
    await queryRunner.query('DROP TABLE "accounting_signing_key"');
    await queryRunner.query('DROP TABLE "accounting_seal_cursor"');
    await queryRunner.query('DROP INDEX "public"."accounting_checkpoint_chain_seq_idx"');
    await queryRunner.query('DROP TABLE "accounting_checkpoint"');
    await queryRunner.query('DROP INDEX "public"."accounting_seal_chain_seq_key"');
    await queryRunner.query('DROP TABLE "accounting_seal"');
    await queryRunner.query('DROP TABLE "accounting_chain"');
  }
}
