import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Hand-written data after the generated tables:
 * - each service's old backup policy (service.backup_schedule, backup_retention_days) becomes its
 *   backup_policy row: the same schedule, retention of d days as keep-daily d (one snapshot a day for d
 *   days, the nearest keep-rule), 0 days as keep-last 1 (the newest is never pruned anyway). The old
 *   columns stay until a later migration drops them.
 * - the backup permissions and the backup-agent role, as src/backups/backups.grants.ts grants them
 *   (test/integration/authz-policy.test.ts compares the two).
 */
const READERS = [
  "platform-admin",
  "provider-admin",
  "operator-admin",
  "operator-member",
  "provider-viewer",
  "operator-viewer",
  "auditor",
];
const ADMINS = ["platform-admin", "provider-admin"];
const ADDED: [string, string, string][] = [
  ...[...READERS, "backup-agent"].map((r) => [r, "backup", "read"] as [string, string, string]),
  ...ADMINS.map((r) => [r, "backup", "manage"] as [string, string, string]),
  ...[...ADMINS, "backup-agent"].map((r) => [r, "backup", "report"] as [string, string, string]),
  ...[...ADMINS, "operator-admin"].map((r) => [r, "backup", "restore"] as [string, string, string]),
  ...ADMINS.map((r) => [r, "backup", "approve"] as [string, string, string]),
];
const columns = (lines: [string, string, string][]) => [0, 1, 2].map((i) => lines.map((l) => l[i]));

export class Backups1796522870514 implements MigrationInterface {
  name = "Backups1796522870514";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "backup_default" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "provider_id" uuid NOT NULL, "service_type_id" uuid NOT NULL, "schedule" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "keep_last" integer NOT NULL DEFAULT \'0\', "keep_hourly" integer NOT NULL DEFAULT \'0\', "keep_daily" integer NOT NULL DEFAULT \'0\', "keep_weekly" integer NOT NULL DEFAULT \'0\', "keep_monthly" integer NOT NULL DEFAULT \'0\', "keep_yearly" integer NOT NULL DEFAULT \'0\', "min_keep_last" integer NOT NULL DEFAULT \'0\', "min_keep_hourly" integer NOT NULL DEFAULT \'0\', "min_keep_daily" integer NOT NULL DEFAULT \'0\', "min_keep_weekly" integer NOT NULL DEFAULT \'0\', "min_keep_monthly" integer NOT NULL DEFAULT \'0\', "min_keep_yearly" integer NOT NULL DEFAULT \'0\', CONSTRAINT "backup_default_min_keep_check" CHECK (min_keep_last BETWEEN 0 AND 100000 AND min_keep_hourly BETWEEN 0 AND 100000 AND min_keep_daily BETWEEN 0 AND 100000 AND min_keep_weekly BETWEEN 0 AND 100000 AND min_keep_monthly BETWEEN 0 AND 100000 AND min_keep_yearly BETWEEN 0 AND 100000), CONSTRAINT "backup_default_keep_check" CHECK (keep_last BETWEEN 0 AND 100000 AND keep_hourly BETWEEN 0 AND 100000 AND keep_daily BETWEEN 0 AND 100000 AND keep_weekly BETWEEN 0 AND 100000 AND keep_monthly BETWEEN 0 AND 100000 AND keep_yearly BETWEEN 0 AND 100000), CONSTRAINT "PK_bfdc3aab079a7573bae056569c9" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "backup_default_provider_type_key" ON "backup_default"  ("provider_id", "service_type_id") ',
    );
    await queryRunner.query(
      'CREATE TABLE "backup_policy" ("service_id" uuid NOT NULL, "enabled" boolean NOT NULL DEFAULT true, "schedule" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "keep_last" integer NOT NULL DEFAULT \'0\', "keep_hourly" integer NOT NULL DEFAULT \'0\', "keep_daily" integer NOT NULL DEFAULT \'0\', "keep_weekly" integer NOT NULL DEFAULT \'0\', "keep_monthly" integer NOT NULL DEFAULT \'0\', "keep_yearly" integer NOT NULL DEFAULT \'0\', CONSTRAINT "backup_policy_keep_check" CHECK (keep_last BETWEEN 0 AND 100000 AND keep_hourly BETWEEN 0 AND 100000 AND keep_daily BETWEEN 0 AND 100000 AND keep_weekly BETWEEN 0 AND 100000 AND keep_monthly BETWEEN 0 AND 100000 AND keep_yearly BETWEEN 0 AND 100000), CONSTRAINT "backup_policy_pkey" PRIMARY KEY ("service_id"))',
    );
    await queryRunner.query(
      'CREATE TABLE "backup_target" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "provider_id" uuid NOT NULL, "name" text NOT NULL, "kind" text NOT NULL, "endpoint" text NOT NULL, "location" text NOT NULL, "secret_ref" text, "host" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "backup_target_kind_check" CHECK (kind IN (\'zfs-pull\', \'s3-replica\')), CONSTRAINT "PK_80d21de6b5ebdd52612a2d51352" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "backup_target_provider_name_key" ON "backup_target"  ("provider_id", "name") ',
    );
    await queryRunner.query(
      'CREATE TABLE "backup_volume" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "service_id" uuid NOT NULL, "operator_id" uuid NOT NULL, "kind" text NOT NULL, "name" text NOT NULL, "host" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "backup_volume_kind_check" CHECK (kind IN (\'block\', \'blob\')), CONSTRAINT "PK_481ec676c149354c8474dacb90f" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "backup_volume_operator_idx" ON "backup_volume"  ("operator_id") ');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "backup_volume_service_kind_name_key" ON "backup_volume"  ("service_id", "kind", "name") ',
    );
    await queryRunner.query(
      'CREATE TABLE "backup_replica" ("volume_id" uuid NOT NULL, "target_id" uuid NOT NULL, "state" text NOT NULL, "synced_to" TIMESTAMP WITH TIME ZONE, "detail" text, "observed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "reported_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "backup_replica_state_check" CHECK (state IN (\'in-sync\', \'lagging\', \'failed\')), CONSTRAINT "backup_replica_pkey" PRIMARY KEY ("volume_id", "target_id"))',
    );
    await queryRunner.query(
      'CREATE TABLE "backup_snapshot" ("volume_id" uuid NOT NULL, "guid" text NOT NULL, "name" text NOT NULL, "taken_at" TIMESTAMP WITH TIME ZONE NOT NULL, "size_bytes" bigint NOT NULL, "held_at" text array NOT NULL DEFAULT \'{}\', "destroyed_at" TIMESTAMP WITH TIME ZONE, "observed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "reported_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "backup_snapshot_pkey" PRIMARY KEY ("volume_id", "guid"))',
    );
    await queryRunner.query(
      'CREATE INDEX "backup_snapshot_volume_taken_idx" ON "backup_snapshot"  ("volume_id", "taken_at") ',
    );
    await queryRunner.query(
      'ALTER TABLE "backup_default" ADD CONSTRAINT "backup_default_provider_fk" FOREIGN KEY ("provider_id") REFERENCES "provider"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "backup_default" ADD CONSTRAINT "backup_default_service_type_fk" FOREIGN KEY ("service_type_id") REFERENCES "service_type"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "backup_policy" ADD CONSTRAINT "backup_policy_service_fk" FOREIGN KEY ("service_id") REFERENCES "service"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "backup_target" ADD CONSTRAINT "backup_target_provider_fk" FOREIGN KEY ("provider_id") REFERENCES "provider"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "backup_volume" ADD CONSTRAINT "backup_volume_service_fk" FOREIGN KEY ("service_id") REFERENCES "service"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "backup_volume" ADD CONSTRAINT "backup_volume_operator_fk" FOREIGN KEY ("operator_id") REFERENCES "operator"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "backup_replica" ADD CONSTRAINT "backup_replica_volume_fk" FOREIGN KEY ("volume_id") REFERENCES "backup_volume"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "backup_replica" ADD CONSTRAINT "backup_replica_target_fk" FOREIGN KEY ("target_id") REFERENCES "backup_target"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "backup_snapshot" ADD CONSTRAINT "backup_snapshot_volume_fk" FOREIGN KEY ("volume_id") REFERENCES "backup_volume"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );

    await queryRunner.query(
      `INSERT INTO backup_policy (service_id, schedule, keep_daily, keep_last)
       SELECT id, backup_schedule,
              CASE WHEN backup_retention_days > 0 THEN LEAST(backup_retention_days, 100000) ELSE 0 END,
              CASE WHEN backup_retention_days > 0 THEN 0 ELSE 1 END
         FROM service WHERE backup_schedule IS NOT NULL`,
    );
    await queryRunner.query(
      `INSERT INTO casbin_rule (ptype, v0, v1, v2)
       SELECT 'p', r, o, a FROM unnest($1::text[], $2::text[], $3::text[]) AS l(r, o, a)
       ON CONFLICT DO NOTHING`,
      columns(ADDED),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DELETE FROM casbin_rule WHERE ptype = 'p' AND (v0, v1, v2) IN
         (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))`,
      columns(ADDED),
    );
    await queryRunner.query(`DELETE FROM casbin_rule WHERE ptype = 'g' AND v1 = 'backup-agent'`);
    await queryRunner.query('ALTER TABLE "backup_snapshot" DROP CONSTRAINT "backup_snapshot_volume_fk"');
    await queryRunner.query('ALTER TABLE "backup_replica" DROP CONSTRAINT "backup_replica_target_fk"');
    await queryRunner.query('ALTER TABLE "backup_replica" DROP CONSTRAINT "backup_replica_volume_fk"');
    await queryRunner.query('ALTER TABLE "backup_volume" DROP CONSTRAINT "backup_volume_operator_fk"');
    await queryRunner.query('ALTER TABLE "backup_volume" DROP CONSTRAINT "backup_volume_service_fk"');
    await queryRunner.query('ALTER TABLE "backup_target" DROP CONSTRAINT "backup_target_provider_fk"');
    await queryRunner.query('ALTER TABLE "backup_policy" DROP CONSTRAINT "backup_policy_service_fk"');
    await queryRunner.query('ALTER TABLE "backup_default" DROP CONSTRAINT "backup_default_service_type_fk"');
    await queryRunner.query('ALTER TABLE "backup_default" DROP CONSTRAINT "backup_default_provider_fk"');
    await queryRunner.query('DROP INDEX "public"."backup_snapshot_volume_taken_idx"');
    await queryRunner.query('DROP TABLE "backup_snapshot"');
    await queryRunner.query('DROP TABLE "backup_replica"');
    await queryRunner.query('DROP INDEX "public"."backup_volume_service_kind_name_key"');
    await queryRunner.query('DROP INDEX "public"."backup_volume_operator_idx"');
    await queryRunner.query('DROP TABLE "backup_volume"');
    await queryRunner.query('DROP INDEX "public"."backup_target_provider_name_key"');
    await queryRunner.query('DROP TABLE "backup_target"');
    await queryRunner.query('DROP TABLE "backup_policy"');
    await queryRunner.query('DROP INDEX "public"."backup_default_provider_type_key"');
    await queryRunner.query('DROP TABLE "backup_default"');
  }
}
