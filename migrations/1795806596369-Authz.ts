import type { MigrationInterface, QueryRunner } from "typeorm";

export class Authz1795806596369 implements MigrationInterface {
  name = "Authz1795806596369";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "casbin_rule" ("id" BIGSERIAL NOT NULL, "ptype" text NOT NULL, "v0" text NOT NULL, "v1" text NOT NULL, "v2" text NOT NULL, "v3" text, "v4" text, "v5" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "casbin_rule_ptype_check" CHECK (ptype IN (\'p\', \'g\')), CONSTRAINT "PK_e147354d31e2748a3a5da5e3060" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "casbin_rule_domain_idx" ON "casbin_rule"  ("ptype", "v2") ');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "casbin_rule_line_key" ON "casbin_rule"  ("ptype", "v0", "v1", "v2") ',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."casbin_rule_line_key"');
    await queryRunner.query('DROP INDEX "public"."casbin_rule_domain_idx"');
    await queryRunner.query('DROP TABLE "casbin_rule"');
  }
}
