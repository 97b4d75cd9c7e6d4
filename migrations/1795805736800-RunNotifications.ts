import type { MigrationInterface, QueryRunner } from "typeorm";

// Hand-written: triggers are beyond the migration generator. Every committed change of a run's state and
// every stored log chunk is announced with NOTIFY, so workers wake up on enqueue and live-log subscribers
// in any process read the new rows at once. The tables stay the source of truth: a payload only says
// where to look. NOTIFY is delivered at commit, so a listener that reads after it sees the row.
export class RunNotifications1795805736800 implements MigrationInterface {
  name = "RunNotifications1795805736800";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION fedicentral_run_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('fedicentral_run', json_build_object(
          'run', NEW.id, 'deployment', NEW.deployment_id, 'state', NEW.state)::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER run_notify_insert AFTER INSERT ON run
        FOR EACH ROW EXECUTE FUNCTION fedicentral_run_notify()`);
    await queryRunner.query(`
      CREATE TRIGGER run_notify_state AFTER UPDATE OF state ON run
        FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION fedicentral_run_notify()`);
    await queryRunner.query(`
      CREATE FUNCTION fedicentral_run_log_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('fedicentral_run_log', json_build_object(
          'run', NEW.run_id, 'end', NEW.byte_offset + octet_length(NEW.data))::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER run_log_chunk_notify AFTER INSERT ON run_log_chunk
        FOR EACH ROW EXECUTE FUNCTION fedicentral_run_log_notify()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP TRIGGER run_log_chunk_notify ON run_log_chunk");
    await queryRunner.query("DROP FUNCTION fedicentral_run_log_notify()");
    await queryRunner.query("DROP TRIGGER run_notify_state ON run");
    await queryRunner.query("DROP TRIGGER run_notify_insert ON run");
    await queryRunner.query("DROP FUNCTION fedicentral_run_notify()");
  }
}
