import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Hand-written data: operator admins manage their operator's service accounts (client:read and
 * client:manage in the operator's domain), as src/authz/roles.ts now says.
 */
const ADDED = [
  ["operator-admin", "client", "read"],
  ["operator-admin", "client", "manage"],
];

export class OperatorAdminClients1795824170319 implements MigrationInterface {
  name = "OperatorAdminClients1795824170319";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `INSERT INTO casbin_rule (ptype, v0, v1, v2)
       SELECT 'p', r, o, a FROM unnest($1::text[], $2::text[], $3::text[]) AS l(r, o, a)
       ON CONFLICT DO NOTHING`,
      [ADDED.map((l) => l[0]), ADDED.map((l) => l[1]), ADDED.map((l) => l[2])],
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DELETE FROM casbin_rule WHERE ptype = 'p' AND (v0, v1, v2) IN
         (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))`,
      [ADDED.map((l) => l[0]), ADDED.map((l) => l[1]), ADDED.map((l) => l[2])],
    );
  }
}
