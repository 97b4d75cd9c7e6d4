import type { MigrationInterface, QueryRunner } from "typeorm";

// Hand-written: column compression is beyond the migration generator. Run logs are written in floods of
// text; lz4 compresses them several times faster than PostgreSQL's default pglz, which otherwise takes
// much of the CPU time of storing a log. A server built without lz4 keeps the default.
export class RunLogCompression1795808105968 implements MigrationInterface {
  name = "RunLogCompression1795808105968";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$ BEGIN
        ALTER TABLE run_log_chunk ALTER COLUMN data SET COMPRESSION lz4;
      EXCEPTION WHEN feature_not_supported THEN
        RAISE NOTICE 'lz4 is not available: run logs keep the default compression';
      END $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE run_log_chunk ALTER COLUMN data SET COMPRESSION default");
  }
}
