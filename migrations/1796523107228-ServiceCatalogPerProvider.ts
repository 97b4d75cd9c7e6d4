import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Generated, with hand-written data steps: each provider owns its service catalog
 * (src/catalog/reference-sync.ts). The one installation-wide catalog is copied into every provider's,
 * the services move to their provider's copy, and the shared rows go. The reference catalog's types
 * (those the demo seeds installed: mastodon, pixelfed, peertube, forgejo) remember their values as the
 * reference last installed, so the next release upgrades them; any other type is the provider's own.
 * Provider admins get catalog:manage (src/catalog/catalog.grants.ts).
 */
const REFERENCE_SLUGS = ["mastodon", "pixelfed", "peertube", "forgejo"];
const GRANTED = [
  ["platform-admin", "catalog", "manage"],
  ["provider-admin", "catalog", "manage"],
];
const lines = (l: string[][]) => [l.map((x) => x[0]), l.map((x) => x[1]), l.map((x) => x[2])];

export class ServiceCatalogPerProvider1796523107228 implements MigrationInterface {
  name = "ServiceCatalogPerProvider1796523107228";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."service_type_slug_key"');
    await queryRunner.query('ALTER TABLE "service_type" ADD "provider_id" uuid');
    await queryRunner.query('ALTER TABLE "service_type" ADD "reference" jsonb');
    await queryRunner.query('ALTER TABLE "service_type" ADD "retired_at" TIMESTAMP WITH TIME ZONE');
    await queryRunner.query(
      'ALTER TABLE "service_type" ADD "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()',
    );
    await queryRunner.query(
      `INSERT INTO service_type (provider_id, slug, name, description, federated, options_schema, storage_kinds,
                                 default_vcpus, default_memory_gib, default_block_storage_gib,
                                 default_blob_storage_gib, reference, created_at)
       SELECT p.id, t.slug, t.name, t.description, t.federated, t.options_schema, t.storage_kinds,
              t.default_vcpus, t.default_memory_gib, t.default_block_storage_gib, t.default_blob_storage_gib,
              CASE WHEN t.slug = ANY($1::text[]) THEN jsonb_build_object(
                'name', t.name, 'description', t.description, 'federated', t.federated,
                'storageKinds', to_jsonb(t.storage_kinds), 'defaultVcpus', t.default_vcpus,
                'defaultMemoryGib', t.default_memory_gib, 'defaultBlockStorageGib', t.default_block_storage_gib,
                'defaultBlobStorageGib', t.default_blob_storage_gib, 'optionsSchema', t.options_schema) END,
              t.created_at
         FROM service_type t CROSS JOIN provider p WHERE t.provider_id IS NULL`,
      [REFERENCE_SLUGS],
    );
    await queryRunner.query(
      `UPDATE service s SET service_type_id = mine.id
         FROM deployment d, operator o, service_type shared, service_type mine
        WHERE d.id = s.deployment_id AND o.id = d.operator_id AND shared.id = s.service_type_id
          AND shared.provider_id IS NULL AND mine.provider_id = o.provider_id AND mine.slug = shared.slug`,
    );
    await queryRunner.query(`DELETE FROM service_type WHERE provider_id IS NULL`);
    await queryRunner.query('ALTER TABLE "service_type" ALTER COLUMN "provider_id" SET NOT NULL');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "service_type_provider_slug_key" ON "service_type"  ("provider_id", "slug") ',
    );
    await queryRunner.query(
      'ALTER TABLE "service_type" ADD CONSTRAINT "service_type_provider_fk" FOREIGN KEY ("provider_id") REFERENCES "provider"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      `INSERT INTO casbin_rule (ptype, v0, v1, v2)
       SELECT 'p', r, o, a FROM unnest($1::text[], $2::text[], $3::text[]) AS l(r, o, a)
       ON CONFLICT DO NOTHING`,
      lines(GRANTED),
    );
  }

  /** Back to one catalog: each slug's oldest copy stays, and every service of that slug moves to it. */
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DELETE FROM casbin_rule WHERE ptype = 'p' AND (v0, v1, v2) IN
         (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))`,
      lines(GRANTED),
    );
    await queryRunner.query('ALTER TABLE "service_type" DROP CONSTRAINT "service_type_provider_fk"');
    await queryRunner.query('DROP INDEX "public"."service_type_provider_slug_key"');
    await queryRunner.query(
      `WITH kept AS (SELECT DISTINCT ON (slug) id, slug FROM service_type ORDER BY slug, created_at, id)
       UPDATE service s SET service_type_id = kept.id FROM service_type t, kept
        WHERE t.id = s.service_type_id AND kept.slug = t.slug AND kept.id <> t.id`,
    );
    await queryRunner.query(
      `DELETE FROM service_type t WHERE EXISTS
         (SELECT 1 FROM service_type o WHERE o.slug = t.slug AND (o.created_at, o.id) < (t.created_at, t.id))`,
    );
    await queryRunner.query('ALTER TABLE "service_type" DROP COLUMN "updated_at"');
    await queryRunner.query('ALTER TABLE "service_type" DROP COLUMN "retired_at"');
    await queryRunner.query('ALTER TABLE "service_type" DROP COLUMN "reference"');
    await queryRunner.query('ALTER TABLE "service_type" DROP COLUMN "provider_id"');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "service_type_slug_key" ON "service_type" USING btree ("slug") ',
    );
  }
}
