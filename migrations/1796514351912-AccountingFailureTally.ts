import type { MigrationInterface, QueryRunner } from "typeorm";

export class AccountingFailureTally1796514351912 implements MigrationInterface {
  name = "AccountingFailureTally1796514351912";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "accounting_failure_tally" ("window_start" TIMESTAMP WITH TIME ZONE NOT NULL, "source" text NOT NULL, "action" text NOT NULL, "target_kind" text NOT NULL, "target_id" text NOT NULL DEFAULT \'\', "reason" text NOT NULL, "window_end" TIMESTAMP WITH TIME ZONE NOT NULL, "attempts" integer NOT NULL DEFAULT \'1\', "user_agent" text, "request_id" text, CONSTRAINT "PK_fbcded59ffa8344d24486aa467b" PRIMARY KEY ("window_start", "source", "action", "target_kind", "target_id", "reason"))',
    );
    await queryRunner.query(
      'CREATE INDEX "accounting_failure_tally_window_end_idx" ON "accounting_failure_tally"  ("window_end") ',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."accounting_failure_tally_window_end_idx"');
    await queryRunner.query('DROP TABLE "accounting_failure_tally"');
  }
}
