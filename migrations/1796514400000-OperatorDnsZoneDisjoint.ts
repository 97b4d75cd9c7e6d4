import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Hand-written, reviewed: operators' DNS zones never nest. A zone inside or above another operator's zone
 * is refused (exclusion_violation on operator_dns_zone_disjoint), whoever writes it: the API, the CLI or a
 * seed. An equal zone is the unique index's to refuse, so that a seed's INSERT ... ON CONFLICT DO NOTHING
 * (whose BEFORE trigger runs before the conflict is found) stays idempotent. The check takes a transaction-level advisory lock first, so two creations racing
 * run one after the other and the second sees the first once it commits (each statement of a volatile
 * function takes a fresh snapshot under READ COMMITTED).
 */
export class OperatorDnsZoneDisjoint1796514400000 implements MigrationInterface {
  name = "OperatorDnsZoneDisjoint1796514400000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION operator_dns_zone_disjoint() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('operator_dns_zone_disjoint'));
        IF EXISTS (
          SELECT 1 FROM operator o
           WHERE o.id <> NEW.id
             AND (right(o.dns_zone, length(NEW.dns_zone) + 1) = '.' || NEW.dns_zone
               OR right(NEW.dns_zone, length(o.dns_zone) + 1) = '.' || o.dns_zone)
        ) THEN
          RAISE EXCEPTION 'DNS zone % is inside or above the zone of another operator', NEW.dns_zone
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'operator_dns_zone_disjoint';
        END IF;
        RETURN NEW;
      END
      $$`);
    await queryRunner.query(
      `CREATE TRIGGER operator_dns_zone_disjoint BEFORE INSERT OR UPDATE OF dns_zone ON operator
       FOR EACH ROW EXECUTE FUNCTION operator_dns_zone_disjoint()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP TRIGGER operator_dns_zone_disjoint ON operator");
    await queryRunner.query("DROP FUNCTION operator_dns_zone_disjoint()");
  }
}
