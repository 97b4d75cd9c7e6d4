import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Hand-written data: providers become tenants (src/authz/model.ts). The single provider-wide domain
 * `provider` reached every provider; its grants move to per-provider domains `provider:<uuid>`:
 * - a service account's go to the provider it is bound to (an operator's account: the operator's provider);
 * - a person's go to every provider that exists now, so nobody loses what they could do at a provider;
 * - grants of clients that no longer exist are dropped.
 * Creating providers needs the new installation-wide role platform-admin (domain `installation`), which
 * nobody holds after this migration: `fedicentral role grant user:<id> platform-admin` hands it out.
 */
const PLATFORM_ADMIN = [
  "accounting:checkpoint",
  "accounting:read",
  "catalog:read",
  "client:manage",
  "client:read",
  "config:read",
  "deployment:read",
  "deployment:write",
  "netbox:manage",
  "netbox:read",
  "netbox:sync",
  "operator:create",
  "operator:read",
  "operator:suspend",
  "operator:update",
  "policy:manage",
  "policy:read",
  "provider-info:read",
  "provider:create",
  "provider:manage",
  "provider:read",
  "quota:set",
  "run:apply",
  "run:cancel",
  "run:read",
  "self:manage",
  "self:read",
  "session:revoke",
  "state:report",
  "user:manage",
  "user:read",
].map((p) => p.split(":") as [string, string]);

export class ProviderTenants1796515179996 implements MigrationInterface {
  name = "ProviderTenants1796515179996";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `INSERT INTO casbin_rule (ptype, v0, v1, v2)
       SELECT 'p', 'platform-admin', o, a FROM unnest($1::text[], $2::text[]) AS l(o, a)`,
      [PLATFORM_ADMIN.map((l) => l[0]), PLATFORM_ADMIN.map((l) => l[1])],
    );
    // Grant times are kept: the grant is the same decision, now written where it applies.
    await queryRunner.query(
      `INSERT INTO casbin_rule (ptype, v0, v1, v2, created_at)
       SELECT 'g', g.v0, g.v1, 'provider:' || coalesce(c.provider_id, o.provider_id), g.created_at
         FROM casbin_rule g
         JOIN oidc_client c ON g.v0 = 'client:' || c.id
         LEFT JOIN operator o ON o.id = c.operator_id
        WHERE g.ptype = 'g' AND g.v2 = 'provider' AND coalesce(c.provider_id, o.provider_id) IS NOT NULL
       ON CONFLICT DO NOTHING`,
    );
    await queryRunner.query(
      `INSERT INTO casbin_rule (ptype, v0, v1, v2, created_at)
       SELECT 'g', g.v0, g.v1, 'provider:' || p.id, g.created_at
         FROM casbin_rule g CROSS JOIN provider p
        WHERE g.ptype = 'g' AND g.v2 = 'provider' AND g.v0 LIKE 'user:%'
       ON CONFLICT DO NOTHING`,
    );
    await queryRunner.query(`DELETE FROM casbin_rule WHERE ptype = 'g' AND v2 = 'provider'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // Back to one domain for all providers: what anybody held at some provider, they hold everywhere again.
    await queryRunner.query(
      `INSERT INTO casbin_rule (ptype, v0, v1, v2, created_at)
       SELECT 'g', v0, CASE WHEN v1 = 'platform-admin' THEN 'provider-admin' ELSE v1 END, 'provider', min(created_at)
         FROM casbin_rule
        WHERE ptype = 'g' AND (v2 LIKE 'provider:%' OR v2 = 'installation')
        GROUP BY 2, 3
       ON CONFLICT DO NOTHING`,
    );
    await queryRunner.query(
      `DELETE FROM casbin_rule WHERE ptype = 'g' AND (v2 LIKE 'provider:%' OR v2 = 'installation')`,
    );
    await queryRunner.query(`DELETE FROM casbin_rule WHERE ptype = 'p' AND v0 = 'platform-admin'`);
  }
}
