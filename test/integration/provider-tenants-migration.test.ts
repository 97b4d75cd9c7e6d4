import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { DataSource, type DataSourceOptions } from "typeorm";
import { ProviderTenants1796515179996 } from "../../migrations/1796515179996-ProviderTenants.js";
import { migrations } from "../../migrations/index.js";
import { createDataSource, migrate } from "../../src/db/data-source.js";
import { createLogger } from "../../src/logger.js";
import { createEmptyDatabase } from "../support/db.js";

/**
 * The data migration that makes providers tenants, on a database holding grants of the single
 * provider-wide domain: built by running the migrations before it, writing the old grants, then running it.
 */
describe("migrating provider-wide grants to per-provider domains", () => {
  let empty: Awaited<ReturnType<typeof createEmptyDatabase>>;
  let ds: DataSource;
  const ids = { p1: "", p2: "", op: "", saOfP2: "", saOfOp: "", orphan: randomUUID() };

  beforeAll(async () => {
    empty = await createEmptyDatabase();
    const full = createDataSource({ url: empty.url, log: createLogger("silent"), poolSize: 2 });
    const before = migrations.slice(0, migrations.indexOf(ProviderTenants1796515179996));
    const old = new DataSource({ ...full.options, migrations: before } as DataSourceOptions);
    await old.initialize();
    await migrate(old);
    const one = async (sql: string, params: unknown[] = []) =>
      ((await old.query(sql, params)) as { id: string }[])[0]!.id;
    ids.p1 = await one(
      `INSERT INTO provider (slug, name, contact_email) VALUES ('p1', 'P1', 'a@p1.example') RETURNING id`,
    );
    ids.p2 = await one(
      `INSERT INTO provider (slug, name, contact_email) VALUES ('p2', 'P2', 'a@p2.example') RETURNING id`,
    );
    ids.op = await one(
      `INSERT INTO operator (provider_id, slug, name, contact_email, dns_zone) VALUES ($1, 'o', 'O', 'a@o.example', 'o.example') RETURNING id`,
      [ids.p1],
    );
    const client = (binding: "operator_id" | "provider_id", owner: string, role: string) =>
      one(
        `INSERT INTO oidc_client (client_id, kind, name, ${binding}, role, secret_digest)
         VALUES ($1, 'service_account', 'sa', $2, $3, 'x') RETURNING id`,
        [randomUUID(), owner, role],
      );
    ids.saOfP2 = await client("provider_id", ids.p2, "provider-admin");
    ids.saOfOp = await client("operator_id", ids.op, "operator-viewer");
    await old.query(
      `INSERT INTO casbin_rule (ptype, v0, v1, v2, created_at) VALUES
         ('g', 'user:ada', 'provider-admin', 'provider', '2020-01-02T03:04:05Z'),
         ('g', 'user:ada', 'operator-admin', 'operator:' || $1, now()),
         ('g', 'user:bob', 'provider-viewer', 'provider', now()),
         ('g', 'client:' || $2, 'provider-admin', 'provider', now()),
         ('g', 'client:' || $3, 'auditor', 'provider', now()),
         ('g', 'client:' || $3, 'operator-viewer', 'operator:' || $1, now()),
         ('g', 'client:' || $4, 'provider-admin', 'provider', now())`,
      [ids.op, ids.saOfP2, ids.saOfOp, ids.orphan],
    );
    await old.destroy();
    ds = full;
    await ds.initialize();
    expect((await migrate(ds))[0]).toBe("ProviderTenants1796515179996");
  });
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await empty?.drop();
  });

  it("moves people's grants to every provider, a service account's to its own provider, and drops orphans", async () => {
    const grants: { s: string; r: string; d: string }[] = await ds.query(
      `SELECT v0 AS s, v1 AS r, v2 AS d FROM casbin_rule WHERE ptype = 'g' ORDER BY v0, v2, v1`,
    );
    const p1 = `provider:${ids.p1}`;
    const p2 = `provider:${ids.p2}`;
    const expected = [
      { s: `client:${ids.saOfOp}`, r: "operator-viewer", d: `operator:${ids.op}` },
      { s: `client:${ids.saOfOp}`, r: "auditor", d: p1 },
      { s: `client:${ids.saOfP2}`, r: "provider-admin", d: p2 },
      { s: "user:ada", r: "operator-admin", d: `operator:${ids.op}` },
      { s: "user:ada", r: "provider-admin", d: p1 },
      { s: "user:ada", r: "provider-admin", d: p2 },
      { s: "user:bob", r: "provider-viewer", d: p1 },
      { s: "user:bob", r: "provider-viewer", d: p2 },
    ];
    const key = (g: { s: string; r: string; d: string }) => `${g.s} ${g.r} ${g.d}`;
    expect(grants.map(key).sort()).toEqual(expected.map(key).sort());
    // When it was granted stays as it was.
    const [kept] = await ds.query(
      `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS at FROM casbin_rule
        WHERE ptype = 'g' AND v0 = 'user:ada' AND v2 = $1`,
      [p2],
    );
    expect(kept.at).toBe("2020-01-02 03:04:05");
  });

  it("adds the platform-admin role, which nobody holds until the command line grants it", async () => {
    const [{ n }] = await ds.query(
      `SELECT count(*)::int AS n FROM casbin_rule WHERE ptype = 'p' AND v0 = 'platform-admin' AND v1 = 'provider' AND v2 = 'create'`,
    );
    expect(n).toBe(1);
    const [{ holders }] = await ds.query(
      `SELECT count(*)::int AS holders FROM casbin_rule WHERE ptype = 'g' AND v2 = 'installation'`,
    );
    expect(holders).toBe(0);
  });
});
