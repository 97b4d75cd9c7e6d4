import type { MigrationInterface, QueryRunner } from "typeorm";

export class NetboxMirror1795805984342 implements MigrationInterface {
  name = "NetboxMirror1795805984342";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "netbox_connection" ("provider_id" uuid NOT NULL, "url" text NOT NULL, "token_sealed" text NOT NULL, "token_format" text NOT NULL, "token_hint" text NOT NULL, "tls_verify" boolean NOT NULL DEFAULT true, "ca_certificate" text, "kinds" text array NOT NULL, "match_tenants_by_slug" boolean NOT NULL DEFAULT true, "webhook_secret_sealed" text, "schedule_enabled" boolean NOT NULL DEFAULT true, "incremental_interval_seconds" integer NOT NULL DEFAULT \'300\', "full_interval_seconds" integer NOT NULL DEFAULT \'86400\', "last_change_id" bigint, "last_change_time" TIMESTAMP WITH TIME ZONE, "netbox_version" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "netbox_connection_intervals_check" CHECK (incremental_interval_seconds >= 30 AND full_interval_seconds >= 300), CONSTRAINT "netbox_connection_token_format_check" CHECK (token_format IN (\'v1\', \'v2\')), CONSTRAINT "netbox_connection_pkey" PRIMARY KEY ("provider_id"))',
    );
    await queryRunner.query(
      'CREATE TABLE "netbox_object" ("provider_id" uuid NOT NULL, "kind" text NOT NULL, "netbox_id" integer NOT NULL, "id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text, "slug" text, "display" text, "status" text, "role" text, "tenant_id" integer, "site_id" integer, "rack_id" integer, "device_id" integer, "cluster_id" integer, "virtual_machine_id" integer, "vrf_id" integer, "vid" integer, "address" inet, "prefix" cidr, "custom_fields" jsonb, "raw" jsonb NOT NULL, "netbox_last_updated" TIMESTAMP WITH TIME ZONE, "synced_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "deleted_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "netbox_object_kind_check" CHECK (kind IN (\'sites\', \'racks\', \'devices\', \'interfaces\', \'prefixes\', \'ip-addresses\', \'vlans\', \'clusters\', \'virtual-machines\', \'tenants\')), CONSTRAINT "netbox_object_pkey" PRIMARY KEY ("provider_id", "kind", "netbox_id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "netbox_object_cluster_idx" ON "netbox_object"  ("provider_id", "kind", "cluster_id", "netbox_id") WHERE cluster_id IS NOT NULL',
    );
    await queryRunner.query(
      'CREATE INDEX "netbox_object_device_idx" ON "netbox_object"  ("provider_id", "kind", "device_id", "netbox_id") WHERE device_id IS NOT NULL',
    );
    await queryRunner.query(
      'CREATE INDEX "netbox_object_site_idx" ON "netbox_object"  ("provider_id", "kind", "site_id", "netbox_id") WHERE site_id IS NOT NULL',
    );
    await queryRunner.query(
      'CREATE INDEX "netbox_object_tenant_idx" ON "netbox_object"  ("provider_id", "kind", "tenant_id", "netbox_id") WHERE tenant_id IS NOT NULL',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "netbox_object_id_key" ON "netbox_object"  ("id") ');
    await queryRunner.query(
      'CREATE TABLE "netbox_sync_run" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "seq" BIGSERIAL NOT NULL, "provider_id" uuid NOT NULL, "mode" text NOT NULL, "trigger" text NOT NULL, "state" text NOT NULL DEFAULT \'queued\', "queued_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, "worker_id" text, "pages" integer NOT NULL DEFAULT \'0\', "created" integer NOT NULL DEFAULT \'0\', "updated" integer NOT NULL DEFAULT \'0\', "deleted" integer NOT NULL DEFAULT \'0\', "unchanged" integer NOT NULL DEFAULT \'0\', "skipped" integer NOT NULL DEFAULT \'0\', "kind_counts" jsonb NOT NULL DEFAULT \'{}\', "issues" jsonb NOT NULL DEFAULT \'[]\', "progress" jsonb, "reason" text, "watermark_before" bigint, "watermark_after" bigint, "netbox_version" text, "initiator" jsonb NOT NULL, "request_id" text, CONSTRAINT "netbox_sync_run_state_check" CHECK (state IN (\'queued\', \'running\', \'succeeded\', \'failed\')), CONSTRAINT "netbox_sync_run_trigger_check" CHECK (trigger IN (\'manual\', \'schedule\', \'cli\')), CONSTRAINT "netbox_sync_run_mode_check" CHECK (mode IN (\'full\', \'incremental\')), CONSTRAINT "PK_9251f99370aba21d597b39c1254" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "netbox_sync_run_state_seq_idx" ON "netbox_sync_run"  ("state", "seq") ',
    );
    await queryRunner.query(
      'CREATE INDEX "netbox_sync_run_provider_seq_idx" ON "netbox_sync_run"  ("provider_id", "seq") ',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "netbox_sync_run_one_active_per_provider" ON "netbox_sync_run"  ("provider_id") WHERE state IN (\'queued\', \'running\')',
    );
    await queryRunner.query(
      'CREATE TABLE "netbox_tenant_mapping" ("provider_id" uuid NOT NULL, "netbox_tenant_id" integer NOT NULL, "operator_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "netbox_tenant_mapping_pkey" PRIMARY KEY ("provider_id", "netbox_tenant_id"))',
    );
    await queryRunner.query(
      'ALTER TABLE "netbox_connection" ADD CONSTRAINT "netbox_connection_provider_fk" FOREIGN KEY ("provider_id") REFERENCES "provider"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "netbox_object" ADD CONSTRAINT "netbox_object_provider_fk" FOREIGN KEY ("provider_id") REFERENCES "provider"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "netbox_sync_run" ADD CONSTRAINT "netbox_sync_run_provider_fk" FOREIGN KEY ("provider_id") REFERENCES "provider"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "netbox_tenant_mapping" ADD CONSTRAINT "netbox_tenant_mapping_provider_fk" FOREIGN KEY ("provider_id") REFERENCES "provider"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "netbox_tenant_mapping" ADD CONSTRAINT "netbox_tenant_mapping_operator_fk" FOREIGN KEY ("operator_id") REFERENCES "operator"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "netbox_tenant_mapping" DROP CONSTRAINT "netbox_tenant_mapping_operator_fk"',
    );
    await queryRunner.query(
      'ALTER TABLE "netbox_tenant_mapping" DROP CONSTRAINT "netbox_tenant_mapping_provider_fk"',
    );
    await queryRunner.query('ALTER TABLE "netbox_sync_run" DROP CONSTRAINT "netbox_sync_run_provider_fk"');
    await queryRunner.query('ALTER TABLE "netbox_object" DROP CONSTRAINT "netbox_object_provider_fk"');
    await queryRunner.query(
      'ALTER TABLE "netbox_connection" DROP CONSTRAINT "netbox_connection_provider_fk"',
    );
    await queryRunner.query('DROP TABLE "netbox_tenant_mapping"');
    await queryRunner.query('DROP INDEX "public"."netbox_sync_run_one_active_per_provider"');
    await queryRunner.query('DROP INDEX "public"."netbox_sync_run_provider_seq_idx"');
    await queryRunner.query('DROP INDEX "public"."netbox_sync_run_state_seq_idx"');
    await queryRunner.query('DROP TABLE "netbox_sync_run"');
    await queryRunner.query('DROP INDEX "public"."netbox_object_id_key"');
    await queryRunner.query('DROP INDEX "public"."netbox_object_tenant_idx"');
    await queryRunner.query('DROP INDEX "public"."netbox_object_site_idx"');
    await queryRunner.query('DROP INDEX "public"."netbox_object_device_idx"');
    await queryRunner.query('DROP INDEX "public"."netbox_object_cluster_idx"');
    await queryRunner.query('DROP TABLE "netbox_object"');
    await queryRunner.query('DROP TABLE "netbox_connection"');
  }
}
