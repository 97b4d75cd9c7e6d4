import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Hand-written: a new or moved token cutoff notifies channel token_cutoff with its key, at commit, so
 * every server process drops what it cached of that key (src/authn/tokens/token-cutoffs.ts) and refuses
 * the tokens it ends within a round trip. On the table, so the CLI's writes are heard too.
 */
export class TokenCutoffNotify1796514734245 implements MigrationInterface {
  name = "TokenCutoffNotify1796514734245";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION token_cutoff_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('token_cutoff', NEW.key);
        RETURN NULL;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER token_cutoff_notify AFTER INSERT OR UPDATE ON token_cutoff
       FOR EACH ROW EXECUTE FUNCTION token_cutoff_notify()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP TRIGGER token_cutoff_notify ON token_cutoff");
    await queryRunner.query("DROP FUNCTION token_cutoff_notify()");
  }
}
