import type { MigrationInterface, QueryRunner } from "typeorm";

export class IdempotencyKeyPerDeployment1796514298680 implements MigrationInterface {
  name = "IdempotencyKeyPerDeployment1796514298680";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."run_idempotency_key_key"');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "run_deployment_idempotency_key_key" ON "run"  ("deployment_id", "idempotency_key") ',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."run_deployment_idempotency_key_key"');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "run_idempotency_key_key" ON "run" USING btree ("idempotency_key") ',
    );
  }
}
