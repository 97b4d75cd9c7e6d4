import type { MigrationInterface, QueryRunner } from "typeorm";

// The tables of the log that are only ever appended to; the chain heads, the seal cursor, the signing
// keys and the usage records are state that the service itself moves.
const APPEND_ONLY = ["accounting_event", "accounting_seal", "accounting_checkpoint"];

/**
 * What the generator cannot write for accounting (hand-written, reviewed):
 * - A trigger on each append-only table refusing UPDATE, DELETE and TRUNCATE, for every role. Enabled
 *   ALWAYS, so session_replication_role = replica does not switch it off either; a superuser can still
 *   disable it, which is what the hash chains and signed checkpoints are there to catch.
 * - The sealer's cursor row, at the start.
 * - Open usage intervals for what exists already, from now: what was booked or enabled before accounting
 *   was installed is not known, so reports start here rather than guess.
 */
export class AccountingSql1795807948841 implements MigrationInterface {
  name = "AccountingSql1795807948841";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION accounting_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% on % refused: the accounting log is append-only', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    for (const table of APPEND_ONLY) {
      await queryRunner.query(
        `CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ${table}
         FOR EACH STATEMENT EXECUTE FUNCTION accounting_refuse_change()`,
      );
      await queryRunner.query(`ALTER TABLE ${table} ENABLE ALWAYS TRIGGER ${table}_append_only`);
    }
    await queryRunner.query(`INSERT INTO accounting_seal_cursor (id, xact_id, event_id) VALUES (1, 0, 0)`);
    await queryRunner.query(
      `INSERT INTO usage_quota (operator_id, storage_gib, vcpus, memory_gib, valid_from)
       SELECT id, quota_storage_gib, quota_vcpus, quota_memory_gib, now() FROM operator`,
    );
    await queryRunner.query(
      `INSERT INTO usage_service (service_id, deployment_id, operator_id, service_type, enabled_from)
       SELECT s.id, s.deployment_id, d.operator_id, t.slug, now()
         FROM service s JOIN deployment d ON d.id = s.deployment_id JOIN service_type t ON t.id = s.service_type_id
        WHERE s.enabled`,
    );
    await queryRunner.query(
      `INSERT INTO usage_storage (service_id, deployment_id, operator_id, service_type, block_storage_gib,
                                  blob_storage_gib, valid_from)
       SELECT s.id, s.deployment_id, d.operator_id, t.slug, s.block_storage_gib, s.blob_storage_gib, now()
         FROM service s JOIN deployment d ON d.id = s.deployment_id JOIN service_type t ON t.id = s.service_type_id`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM usage_storage`);
    await queryRunner.query(`DELETE FROM usage_service`);
    await queryRunner.query(`DELETE FROM usage_quota`);
    await queryRunner.query(`DELETE FROM accounting_seal_cursor`);
    for (const table of APPEND_ONLY) await queryRunner.query(`DROP TRIGGER ${table}_append_only ON ${table}`);
    await queryRunner.query(`DROP FUNCTION accounting_refuse_change()`);
  }
}
