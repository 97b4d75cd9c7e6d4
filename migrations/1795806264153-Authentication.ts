import type { MigrationInterface, QueryRunner } from "typeorm";

export class Authentication1795806264153 implements MigrationInterface {
  name = "Authentication1795806264153";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "login_throttle" ("key" text NOT NULL, "failures" integer NOT NULL DEFAULT \'0\', "blocked_until" TIMESTAMP WITH TIME ZONE, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_14c03bac82292a8310c54cb98d0" PRIMARY KEY ("key"))',
    );
    await queryRunner.query(
      'CREATE INDEX "login_throttle_updated_at_idx" ON "login_throttle"  ("updated_at") ',
    );
    await queryRunner.query(
      'CREATE TABLE "app_user" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "email" text NOT NULL, "display_name" text NOT NULL, "password_hash" text, "disabled" boolean NOT NULL DEFAULT false, "totp_secret_sealed" text, "totp_enabled_at" TIMESTAMP WITH TIME ZONE, "totp_last_step" bigint, "recovery_code_digests" text array NOT NULL DEFAULT \'{}\', "last_login_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_22a5c4a3d9b2fb8e4e73fc4ada1" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "app_user_display_name_id_idx" ON "app_user"  ("display_name", "id") ',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "app_user_email_key" ON "app_user"  ("email") ');
    await queryRunner.query(
      'CREATE TABLE "oidc_client" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "client_id" text NOT NULL, "kind" text NOT NULL, "name" text NOT NULL, "operator_id" uuid, "provider_id" uuid, "role" text, "secret_digest" text, "previous_secret_digest" text, "previous_secret_expires_at" TIMESTAMP WITH TIME ZONE, "secret_rotated_at" TIMESTAMP WITH TIME ZONE, "redirect_uris" text array NOT NULL DEFAULT \'{}\', "post_logout_redirect_uris" text array NOT NULL DEFAULT \'{}\', "disabled" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "oidc_client_binding_check" CHECK ((kind = \'public\' AND operator_id IS NULL AND provider_id IS NULL AND secret_digest IS NULL)\n   OR (kind = \'service_account\' AND (operator_id IS NULL) <> (provider_id IS NULL) AND secret_digest IS NOT NULL AND role IS NOT NULL)), CONSTRAINT "oidc_client_kind_check" CHECK (kind IN (\'service_account\', \'public\')), CONSTRAINT "PK_cb01dc7678dfd0beb43eaa8e578" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "oidc_client_provider_idx" ON "oidc_client"  ("provider_id") WHERE provider_id IS NOT NULL',
    );
    await queryRunner.query(
      'CREATE INDEX "oidc_client_operator_idx" ON "oidc_client"  ("operator_id") WHERE operator_id IS NOT NULL',
    );
    await queryRunner.query('CREATE INDEX "oidc_client_name_id_idx" ON "oidc_client"  ("name", "id") ');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "oidc_client_client_id_key" ON "oidc_client"  ("client_id") ',
    );
    await queryRunner.query(
      'CREATE TABLE "signing_key" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "kid" text NOT NULL, "alg" text NOT NULL, "private_jwk_sealed" text NOT NULL, "public_jwk" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "retired_at" TIMESTAMP WITH TIME ZONE, "expires_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "signing_key_alg_check" CHECK (alg IN (\'ES256\', \'RS256\')), CONSTRAINT "PK_5cc161da020c79bb3ac9953edae" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "signing_key_kid_key" ON "signing_key"  ("kid") ');
    await queryRunner.query(
      'CREATE TABLE "auth_secret" ("name" text NOT NULL, "value_sealed" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_fd6cb98ef2a3e588e4c0fdd1c03" PRIMARY KEY ("name"))',
    );
    await queryRunner.query(
      'CREATE TABLE "oidc_payload" ("kind" text NOT NULL, "id" text NOT NULL, "payload" jsonb NOT NULL, "grant_id" text, "uid" text, "user_code" text, "account_id" text, "expires_at" TIMESTAMP WITH TIME ZONE, "consumed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_ad63950dfcb76dc283d38b5de0a" PRIMARY KEY ("kind", "id"))',
    );
    await queryRunner.query('CREATE INDEX "oidc_payload_expires_at_idx" ON "oidc_payload"  ("expires_at") ');
    await queryRunner.query(
      'CREATE INDEX "oidc_payload_account_kind_idx" ON "oidc_payload"  ("account_id", "kind") WHERE account_id IS NOT NULL',
    );
    await queryRunner.query(
      'CREATE INDEX "oidc_payload_user_code_idx" ON "oidc_payload"  ("user_code") WHERE user_code IS NOT NULL',
    );
    await queryRunner.query(
      'CREATE INDEX "oidc_payload_uid_idx" ON "oidc_payload"  ("uid") WHERE uid IS NOT NULL',
    );
    await queryRunner.query(
      'CREATE INDEX "oidc_payload_grant_id_idx" ON "oidc_payload"  ("grant_id") WHERE grant_id IS NOT NULL',
    );
    await queryRunner.query(
      'ALTER TABLE "oidc_client" ADD CONSTRAINT "oidc_client_operator_fk" FOREIGN KEY ("operator_id") REFERENCES "operator"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "oidc_client" ADD CONSTRAINT "oidc_client_provider_fk" FOREIGN KEY ("provider_id") REFERENCES "provider"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "oidc_client" DROP CONSTRAINT "oidc_client_provider_fk"');
    await queryRunner.query('ALTER TABLE "oidc_client" DROP CONSTRAINT "oidc_client_operator_fk"');
    await queryRunner.query('DROP INDEX "public"."oidc_payload_grant_id_idx"');
    await queryRunner.query('DROP INDEX "public"."oidc_payload_uid_idx"');
    await queryRunner.query('DROP INDEX "public"."oidc_payload_user_code_idx"');
    await queryRunner.query('DROP INDEX "public"."oidc_payload_account_kind_idx"');
    await queryRunner.query('DROP INDEX "public"."oidc_payload_expires_at_idx"');
    await queryRunner.query('DROP TABLE "oidc_payload"');
    await queryRunner.query('DROP TABLE "auth_secret"');
    await queryRunner.query('DROP INDEX "public"."signing_key_kid_key"');
    await queryRunner.query('DROP TABLE "signing_key"');
    await queryRunner.query('DROP INDEX "public"."oidc_client_client_id_key"');
    await queryRunner.query('DROP INDEX "public"."oidc_client_name_id_idx"');
    await queryRunner.query('DROP INDEX "public"."oidc_client_operator_idx"');
    await queryRunner.query('DROP INDEX "public"."oidc_client_provider_idx"');
    await queryRunner.query('DROP TABLE "oidc_client"');
    await queryRunner.query('DROP INDEX "public"."app_user_email_key"');
    await queryRunner.query('DROP INDEX "public"."app_user_display_name_id_idx"');
    await queryRunner.query('DROP TABLE "app_user"');
    await queryRunner.query('DROP INDEX "public"."login_throttle_updated_at_idx"');
    await queryRunner.query('DROP TABLE "login_throttle"');
  }
}
