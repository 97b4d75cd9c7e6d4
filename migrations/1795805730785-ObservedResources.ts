import type { MigrationInterface, QueryRunner } from "typeorm";

export class ObservedResources1795805730785 implements MigrationInterface {
  name = "ObservedResources1795805730785";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "observed_resource" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "deployment_id" uuid NOT NULL, "kind" text NOT NULL, "name" text NOT NULL, "service_id" uuid, "status" text NOT NULL, "outputs" jsonb NOT NULL DEFAULT \'{}\', "generation" integer, "observed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "reported_by" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "observed_resource_status_check" CHECK (status IN (\'healthy\', \'degraded\', \'failed\', \'missing\', \'unknown\')), CONSTRAINT "PK_3af4e079a140d1820485f77c588" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "observed_resource_deployment_kind_name_key" ON "observed_resource"  ("deployment_id", "kind", "name") ',
    );
    await queryRunner.query(
      'ALTER TABLE "observed_resource" ADD CONSTRAINT "observed_resource_deployment_fk" FOREIGN KEY ("deployment_id") REFERENCES "deployment"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "observed_resource" DROP CONSTRAINT "observed_resource_deployment_fk"',
    );
    await queryRunner.query('DROP INDEX "public"."observed_resource_deployment_kind_name_key"');
    await queryRunner.query('DROP TABLE "observed_resource"');
  }
}
