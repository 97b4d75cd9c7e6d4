import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { DataSource, type DataSourceOptions } from "typeorm";
import { ServiceCatalogPerProvider1796523107228 } from "../../migrations/1796523107228-ServiceCatalogPerProvider.js";
import { migrations } from "../../migrations/index.js";
import { createDataSource, migrate } from "../../src/db/data-source.js";
import { createLogger } from "../../src/logger.js";
import { createEmptyDatabase } from "../support/db.js";

/**
 * The migration to per-provider catalogs, on a database holding the one installation-wide catalog (the
 * demo seeds' four types and a type added by hand) and services of two providers using it.
 */
describe("migrating the installation-wide service catalog to one per provider", () => {
  let empty: Awaited<ReturnType<typeof createEmptyDatabase>>;
  let ds: DataSource;
  const ids = { p1: "", p2: "", s1: "", s2: "", wiki: "" };

  beforeAll(async () => {
    empty = await createEmptyDatabase();
    const full = createDataSource({ url: empty.url, log: createLogger("silent"), poolSize: 2 });
    const before = migrations.slice(0, migrations.indexOf(ServiceCatalogPerProvider1796523107228));
    const old = new DataSource({ ...full.options, migrations: before } as DataSourceOptions);
    await old.initialize();
    await migrate(old);
    const one = async (sql: string, params: unknown[] = []) =>
      ((await old.query(sql, params)) as { id: string }[])[0]!.id;
    const type = (slug: string, name: string, vcpus: number) =>
      one(
        `INSERT INTO service_type (slug, name, federated, storage_kinds, default_vcpus) VALUES ($1, $2, true, '{block}', $3) RETURNING id`,
        [slug, name, vcpus],
      );
    const mastodon = await type("mastodon", "Mastodon", 2);
    ids.wiki = await type("wiki", "Wiki", 1);
    for (const [key, service] of [
      ["p1", "s1"],
      ["p2", "s2"],
    ] as const) {
      ids[key] = await one(
        `INSERT INTO provider (slug, name, contact_email) VALUES ($1, $1, 'a@x.example') RETURNING id`,
        [key],
      );
      const op = await one(
        `INSERT INTO operator (provider_id, slug, name, contact_email, dns_zone) VALUES ($1, 'o', 'O', 'a@o.example', $2) RETURNING id`,
        [ids[key], `${key}.example`],
      );
      const d = await one(`INSERT INTO deployment (operator_id, name) VALUES ($1, 'prod') RETURNING id`, [
        op,
      ]);
      ids[service] = await one(
        `INSERT INTO service (deployment_id, service_type_id, domain) VALUES ($1, $2, $3) RETURNING id`,
        [d, mastodon, `social.${key}.example`],
      );
    }
    await old.destroy();
    ds = full;
    await ds.initialize();
    // Migrations added after it run too; this one runs first.
    expect((await migrate(ds))[0]).toBe("ServiceCatalogPerProvider1796523107228");
  });
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await empty?.drop();
  });

  it("copies the catalog into every provider, moves each service to its provider's copy, and drops the shared rows", async () => {
    const types: { p: string; slug: string; vcpus: number; fromReference: boolean }[] = await ds.query(
      `SELECT provider_id AS p, slug, default_vcpus AS vcpus, reference IS NOT NULL AS "fromReference"
         FROM service_type ORDER BY provider_id, slug`,
    );
    // After the migration, the sync installed the reference types each provider lacked and upgraded Mastodon.
    for (const p of [ids.p1, ids.p2]) {
      const mine = types.filter((t) => t.p === p);
      expect(mine.map((t) => t.slug)).toEqual(["forgejo", "mastodon", "peertube", "pixelfed", "wiki"]);
      expect(mine.find((t) => t.slug === "wiki")).toMatchObject({ fromReference: false });
      expect(mine.find((t) => t.slug === "mastodon")).toMatchObject({ fromReference: true, vcpus: 2 });
    }
    expect(await ds.query(`SELECT 1 FROM service_type WHERE id = $1`, [ids.wiki])).toEqual([]);
    const services: { id: string; provider: string; typeProvider: string; slug: string }[] = await ds.query(
      `SELECT s.id, o.provider_id AS provider, t.provider_id AS "typeProvider", t.slug
         FROM service s JOIN deployment d ON d.id = s.deployment_id JOIN operator o ON o.id = d.operator_id
         JOIN service_type t ON t.id = s.service_type_id ORDER BY o.provider_id`,
    );
    expect(services).toHaveLength(2);
    for (const s of services) expect(s).toMatchObject({ slug: "mastodon", typeProvider: s.provider });
    const grants = await ds.query(
      `SELECT v0 FROM casbin_rule WHERE ptype = 'p' AND v1 = 'catalog' AND v2 = 'manage' ORDER BY v0`,
    );
    expect(grants).toEqual([{ v0: "platform-admin" }, { v0: "provider-admin" }]);
  });
});
