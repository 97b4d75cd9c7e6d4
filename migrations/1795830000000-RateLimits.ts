import type { MigrationInterface, QueryRunner } from "typeorm";

// Hand-written: the table is rate-limiter-flexible's (its columns, in its order), made here so no process
// creates tables at run time. UNLOGGED: counters of a minute need no crash safety, and skipping the WAL
// keeps the one write per API request cheap.
export class RateLimits1795830000000 implements MigrationInterface {
  name = "RateLimits1795830000000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE UNLOGGED TABLE rate_limit (
        key varchar(255) PRIMARY KEY,
        points integer NOT NULL DEFAULT 0,
        expire bigint
      )`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP TABLE rate_limit");
  }
}
