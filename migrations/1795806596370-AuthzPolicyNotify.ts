import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Hand-written: every change to casbin_rule notifies channel casbin_policy with `<domain> <subject>` of a
 * changed grant, or "*" when a role's permissions change, so every server process drops what it cached
 * (src/authz/watcher.ts). On the table itself, so writes from anywhere (API, CLI, psql) are heard;
 * PostgreSQL delivers the notifications at commit and folds duplicates within a transaction.
 */
export class AuthzPolicyNotify1795806596370 implements MigrationInterface {
  name = "AuthzPolicyNotify1795806596370";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION casbin_rule_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          PERFORM pg_notify('casbin_policy', CASE WHEN OLD.ptype = 'g' THEN OLD.v2 || ' ' || OLD.v0 ELSE '*' END);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
          PERFORM pg_notify('casbin_policy', CASE WHEN NEW.ptype = 'g' THEN NEW.v2 || ' ' || NEW.v0 ELSE '*' END);
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION casbin_rule_notify_all() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('casbin_policy', '*');
        RETURN NULL;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER casbin_rule_notify AFTER INSERT OR UPDATE OR DELETE ON casbin_rule
         FOR EACH ROW EXECUTE FUNCTION casbin_rule_notify()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER casbin_rule_truncate_notify AFTER TRUNCATE ON casbin_rule
         FOR EACH STATEMENT EXECUTE FUNCTION casbin_rule_notify_all()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER casbin_rule_truncate_notify ON casbin_rule`);
    await queryRunner.query(`DROP TRIGGER casbin_rule_notify ON casbin_rule`);
    await queryRunner.query(`DROP FUNCTION casbin_rule_notify_all()`);
    await queryRunner.query(`DROP FUNCTION casbin_rule_notify()`);
  }
}
