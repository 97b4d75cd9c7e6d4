import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Hand-written (declared on BackupSnapshotEntity with synchronize: false): the live snapshots of a
 * volume, newest first, covering what a retention plan reads, so that the plan of a volume of 10,000
 * snapshots is one index-only scan with no sort. Freshness's newest live snapshot per volume uses it too.
 */
export class BackupSnapshotLiveIndex1796525600000 implements MigrationInterface {
  name = "BackupSnapshotLiveIndex1796525600000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "backup_snapshot_live_idx" ON "backup_snapshot" ("volume_id", "taken_at") INCLUDE ("guid", "name")
        WHERE destroyed_at IS NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "backup_snapshot_live_idx"`);
  }
}
