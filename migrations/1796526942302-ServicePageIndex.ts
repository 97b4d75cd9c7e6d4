import type { MigrationInterface, QueryRunner } from "typeorm";

export class ServicePageIndex1796526942302 implements MigrationInterface {
  name = "ServicePageIndex1796526942302";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE INDEX "service_deployment_page_idx" ON "service"  ("deployment_id", "domain", "id") ',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."service_deployment_page_idx"');
  }
}
