import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Generated; by hand, the backfill: each volume's newest live snapshot, which reports keep from now on
 * (src/backups/backup-report.service.ts).
 */
export class BackupVolumeLastSnapshot1796526171576 implements MigrationInterface {
  name = "BackupVolumeLastSnapshot1796526171576";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "backup_volume" ADD "last_snapshot_at" TIMESTAMP WITH TIME ZONE');
    await queryRunner.query(
      `UPDATE backup_volume v SET last_snapshot_at = (SELECT max(s.taken_at) FROM backup_snapshot s
                                                       WHERE s.volume_id = v.id AND s.destroyed_at IS NULL)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "backup_volume" DROP COLUMN "last_snapshot_at"');
  }
}
