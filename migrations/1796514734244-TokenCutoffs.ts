import type { MigrationInterface, QueryRunner } from "typeorm";

export class TokenCutoffs1796514734244 implements MigrationInterface {
  name = "TokenCutoffs1796514734244";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "token_cutoff" ("key" text NOT NULL, "cut_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_3b5e1bc5eadeabea2eecabbd9b2" PRIMARY KEY ("key"))',
    );
    await queryRunner.query('CREATE INDEX "token_cutoff_expires_at_idx" ON "token_cutoff"  ("expires_at") ');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."token_cutoff_expires_at_idx"');
    await queryRunner.query('DROP TABLE "token_cutoff"');
  }
}
