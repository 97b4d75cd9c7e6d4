import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * What the generator cannot write for the NetBox mirror (hand-written, reviewed):
 * - GiST indexes with inet_ops, so "IPs in a prefix" and "prefixes containing an address" use an index;
 *   declared on the entity with synchronize: false. An IP address is stored with its subnet's mask
 *   (10.0.0.5/24), so containment is tested on its host part: host(address)::inet <<= prefix.
 * - The view netbox_tenant_operator: which operator each NetBox tenant belongs to. Explicit mappings win;
 *   otherwise, when the connection matches by slug, the provider's operator with the tenant's slug.
 *   Authorization scoping joins it to give operators their own tenant's objects only.
 */
export class NetboxMirrorSql1795805984343 implements MigrationInterface {
  name = "NetboxMirrorSql1795805984343";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "netbox_object_address_gist" ON "netbox_object" USING gist ((host(address)::inet) inet_ops) WHERE address IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "netbox_object_prefix_gist" ON "netbox_object" USING gist ("prefix" inet_ops) WHERE prefix IS NOT NULL`,
    );
    await queryRunner.query(`
      CREATE VIEW "netbox_tenant_operator" AS
        SELECT m.provider_id, m.netbox_tenant_id, m.operator_id, 'explicit'::text AS source
          FROM netbox_tenant_mapping m
         WHERE m.operator_id IS NOT NULL
        UNION ALL
        SELECT t.provider_id, t.netbox_id AS netbox_tenant_id, o.id AS operator_id, 'slug'::text AS source
          FROM netbox_object t
          JOIN netbox_connection c ON c.provider_id = t.provider_id AND c.match_tenants_by_slug
          JOIN operator o ON o.provider_id = t.provider_id AND o.slug = t.slug
         WHERE t.kind = 'tenants' AND t.deleted_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM netbox_tenant_mapping m
                            WHERE m.provider_id = t.provider_id AND m.netbox_tenant_id = t.netbox_id)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP VIEW "netbox_tenant_operator"`);
    await queryRunner.query(`DROP INDEX "public"."netbox_object_prefix_gist"`);
    await queryRunner.query(`DROP INDEX "public"."netbox_object_address_gist"`);
  }
}
