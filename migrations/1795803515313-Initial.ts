import type { MigrationInterface, QueryRunner } from "typeorm";

export class Initial1795803515313 implements MigrationInterface {
  name = "Initial1795803515313";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "accounting_event" ("id" BIGSERIAL NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "event_type" text NOT NULL, "action" text NOT NULL, "outcome" text NOT NULL, "initiator" jsonb NOT NULL, "target_kind" text NOT NULL, "target_id" text, "operator_id" uuid, "reason" text, "request_id" text, "changes" jsonb, CONSTRAINT "PK_8a6531a09f022bdf7d0ae86e014" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "accounting_event_operator_time_idx" ON "accounting_event"  ("operator_id", "occurred_at") ',
    );
    await queryRunner.query(
      'CREATE TABLE "service_type" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "slug" text NOT NULL, "name" text NOT NULL, "description" text NOT NULL DEFAULT \'\', "federated" boolean NOT NULL DEFAULT false, "options_schema" jsonb NOT NULL DEFAULT \'{}\', "storage_kinds" text array NOT NULL DEFAULT \'{}\', "default_vcpus" integer NOT NULL DEFAULT \'1\', "default_memory_gib" integer NOT NULL DEFAULT \'1\', "default_block_storage_gib" integer NOT NULL DEFAULT \'0\', "default_blob_storage_gib" integer NOT NULL DEFAULT \'0\', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_0a11a8d444eff1346826caed987" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "service_type_slug_key" ON "service_type"  ("slug") ');
    await queryRunner.query(
      'CREATE TABLE "provider" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "slug" text NOT NULL, "name" text NOT NULL, "contact_email" text NOT NULL, "provider_info_schema" jsonb NOT NULL DEFAULT \'{}\', "operator_info_schema" jsonb NOT NULL DEFAULT \'{}\', "bespoke_info" jsonb NOT NULL DEFAULT \'{}\', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_6ab2f66d8987bf1bfdd6136a2d5" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "provider_slug_key" ON "provider"  ("slug") ');
    await queryRunner.query(
      'CREATE TABLE "operator" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "provider_id" uuid NOT NULL, "slug" text NOT NULL, "name" text NOT NULL, "contact_email" text NOT NULL, "dns_zone" text NOT NULL, "quota_storage_gib" integer NOT NULL DEFAULT \'0\', "quota_vcpus" integer NOT NULL DEFAULT \'0\', "quota_memory_gib" integer NOT NULL DEFAULT \'0\', "status" text NOT NULL DEFAULT \'active\', "bespoke_info" jsonb NOT NULL DEFAULT \'{}\', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "operator_quota_check" CHECK (quota_storage_gib >= 0 AND quota_vcpus >= 0 AND quota_memory_gib >= 0), CONSTRAINT "operator_status_check" CHECK (status IN (\'active\', \'suspended\')), CONSTRAINT "PK_8b950e1572745d9f69be7748ae8" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "operator_dns_zone_key" ON "operator"  ("dns_zone") ');
    await queryRunner.query(
      'CREATE INDEX "operator_status_name_id_idx" ON "operator"  ("status", "name", "id") ',
    );
    await queryRunner.query('CREATE INDEX "operator_name_id_idx" ON "operator"  ("name", "id") ');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "operator_provider_slug_key" ON "operator"  ("provider_id", "slug") ',
    );
    await queryRunner.query(
      'CREATE TABLE "deployment" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "operator_id" uuid NOT NULL, "name" text NOT NULL, "staged_generation" integer NOT NULL DEFAULT \'1\', "deployed_generation" integer, "deployed_config" jsonb, "deployed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_ee1f952fc81f37c6fea69c2e248" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "deployment_operator_name_key" ON "deployment"  ("operator_id", "name") ',
    );
    await queryRunner.query(
      'CREATE TABLE "service" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "deployment_id" uuid NOT NULL, "service_type_id" uuid NOT NULL, "enabled" boolean NOT NULL DEFAULT true, "domain" text NOT NULL, "options" jsonb NOT NULL DEFAULT \'{}\', "block_storage_gib" integer NOT NULL DEFAULT \'0\', "blob_storage_gib" integer NOT NULL DEFAULT \'0\', "vcpus" integer NOT NULL DEFAULT \'1\', "memory_gib" integer NOT NULL DEFAULT \'1\', "backup_schedule" text, "backup_retention_days" integer NOT NULL DEFAULT \'0\', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "service_sizes_check" CHECK (block_storage_gib >= 0 AND blob_storage_gib >= 0 AND vcpus >= 0 AND memory_gib >= 0 AND backup_retention_days >= 0), CONSTRAINT "PK_85a21558c006647cd76fdce044b" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "service_domain_key" ON "service"  ("domain") ');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "service_deployment_type_key" ON "service"  ("deployment_id", "service_type_id") ',
    );
    await queryRunner.query(
      'CREATE TABLE "core_service" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "provider_id" uuid NOT NULL, "kind" text NOT NULL, "name" text NOT NULL, "endpoint" text NOT NULL, "settings" jsonb NOT NULL DEFAULT \'{}\', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "core_service_kind_check" CHECK (kind IN (\'dns\', \'mail\', \'secrets\')), CONSTRAINT "PK_eb462f8fbcf7c94aa457a6e903d" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "core_service_provider_kind_name_key" ON "core_service"  ("provider_id", "kind", "name") ',
    );
    await queryRunner.query(
      'CREATE TABLE "resource_provider" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "provider_id" uuid NOT NULL, "component_type" text NOT NULL, "implementation" text NOT NULL, "settings" jsonb NOT NULL DEFAULT \'{}\', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "resource_provider_component_type_check" CHECK (component_type IN (\'virtualisation\', \'dns\', \'secrets\', \'mail\', \'blob-storage\', \'block-storage\', \'configuration\')), CONSTRAINT "PK_13e03776bee3f0f136e73e40933" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "resource_provider_provider_type_impl_key" ON "resource_provider"  ("provider_id", "component_type", "implementation") ',
    );
    await queryRunner.query(
      'ALTER TABLE "operator" ADD CONSTRAINT "operator_provider_fk" FOREIGN KEY ("provider_id") REFERENCES "provider"("id") ON DELETE RESTRICT ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "deployment" ADD CONSTRAINT "deployment_operator_fk" FOREIGN KEY ("operator_id") REFERENCES "operator"("id") ON DELETE RESTRICT ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "service" ADD CONSTRAINT "service_deployment_fk" FOREIGN KEY ("deployment_id") REFERENCES "deployment"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "service" ADD CONSTRAINT "service_service_type_fk" FOREIGN KEY ("service_type_id") REFERENCES "service_type"("id") ON DELETE RESTRICT ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "core_service" ADD CONSTRAINT "core_service_provider_fk" FOREIGN KEY ("provider_id") REFERENCES "provider"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "resource_provider" ADD CONSTRAINT "resource_provider_provider_fk" FOREIGN KEY ("provider_id") REFERENCES "provider"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "resource_provider" DROP CONSTRAINT "resource_provider_provider_fk"',
    );
    await queryRunner.query('ALTER TABLE "core_service" DROP CONSTRAINT "core_service_provider_fk"');
    await queryRunner.query('ALTER TABLE "service" DROP CONSTRAINT "service_service_type_fk"');
    await queryRunner.query('ALTER TABLE "service" DROP CONSTRAINT "service_deployment_fk"');
    await queryRunner.query('ALTER TABLE "deployment" DROP CONSTRAINT "deployment_operator_fk"');
    await queryRunner.query('ALTER TABLE "operator" DROP CONSTRAINT "operator_provider_fk"');
    await queryRunner.query('DROP INDEX "public"."resource_provider_provider_type_impl_key"');
    await queryRunner.query('DROP TABLE "resource_provider"');
    await queryRunner.query('DROP INDEX "public"."core_service_provider_kind_name_key"');
    await queryRunner.query('DROP TABLE "core_service"');
    await queryRunner.query('DROP INDEX "public"."service_deployment_type_key"');
    await queryRunner.query('DROP INDEX "public"."service_domain_key"');
    await queryRunner.query('DROP TABLE "service"');
    await queryRunner.query('DROP INDEX "public"."deployment_operator_name_key"');
    await queryRunner.query('DROP TABLE "deployment"');
    await queryRunner.query('DROP INDEX "public"."operator_provider_slug_key"');
    await queryRunner.query('DROP INDEX "public"."operator_name_id_idx"');
    await queryRunner.query('DROP INDEX "public"."operator_status_name_id_idx"');
    await queryRunner.query('DROP INDEX "public"."operator_dns_zone_key"');
    await queryRunner.query('DROP TABLE "operator"');
    await queryRunner.query('DROP INDEX "public"."provider_slug_key"');
    await queryRunner.query('DROP TABLE "provider"');
    await queryRunner.query('DROP INDEX "public"."service_type_slug_key"');
    await queryRunner.query('DROP TABLE "service_type"');
    await queryRunner.query('DROP INDEX "public"."accounting_event_operator_time_idx"');
    await queryRunner.query('DROP TABLE "accounting_event"');
  }
}
