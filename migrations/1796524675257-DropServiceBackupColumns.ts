import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Drops the services' old backup policy columns (backup_schedule, backup_retention_days): the Backups
 * migration copied them into backup_policy, which holds policies since. Generated; by hand, the sizes
 * check is rewritten without backup_retention_days (PostgreSQL would drop it with the column), and down
 * copies each service's own enabled policy back (keep-daily as the retention days).
 */
export class DropServiceBackupColumns1796524675257 implements MigrationInterface {
  name = "DropServiceBackupColumns1796524675257";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "service" DROP CONSTRAINT "service_sizes_check"');
    await queryRunner.query('ALTER TABLE "service" DROP COLUMN "backup_schedule"');
    await queryRunner.query('ALTER TABLE "service" DROP COLUMN "backup_retention_days"');
    await queryRunner.query(
      'ALTER TABLE "service" ADD CONSTRAINT "service_sizes_check" CHECK (block_storage_gib >= 0 AND blob_storage_gib >= 0 AND vcpus >= 0 AND memory_gib >= 0)',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "service" DROP CONSTRAINT "service_sizes_check"');
    await queryRunner.query(
      'ALTER TABLE "service" ADD "backup_retention_days" integer NOT NULL DEFAULT \'0\'',
    );
    await queryRunner.query('ALTER TABLE "service" ADD "backup_schedule" text');
    await queryRunner.query(
      'ALTER TABLE "service" ADD CONSTRAINT "service_sizes_check" CHECK (block_storage_gib >= 0 AND blob_storage_gib >= 0 AND vcpus >= 0 AND memory_gib >= 0 AND backup_retention_days >= 0)',
    );
    await queryRunner.query(
      `UPDATE service s SET backup_schedule = bp.schedule, backup_retention_days = bp.keep_daily
         FROM backup_policy bp WHERE bp.service_id = s.id AND bp.enabled`,
    );
  }
}
