import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { CLI, runCli } from "../support/processes.js";
import { useTempDir } from "../support/temp-dir.js";

/** `fedicentral catalog …` and `db migrate` as operations staff run them: the built CLI in its own process. */
describe("fedicentral catalog (command line)", () => {
  const tmp = useTempDir("fedi-catalog-cli-");
  let db: TestDatabase;
  let provider: { id: string; slug: string };

  const run = (...args: string[]) => runCli(args, { DATABASE_URL: db.url });
  const json = async (...args: string[]) => {
    const res = await run(...args, "--json");
    return { code: res.code, out: JSON.parse(res.stdout), stderr: res.stderr };
  };
  const row = async (slug: string) =>
    (
      await db.ds.query(
        `SELECT name, description, federated, storage_kinds AS "storageKinds", default_block_storage_gib AS block,
                options_schema AS "optionsSchema", reference IS NULL AS bespoke, retired_at IS NOT NULL AS retired
           FROM service_type WHERE provider_id = $1 AND slug = $2`,
        [provider.id, slug],
      )
    )[0];
  const file = (name: string, content: unknown) => {
    const p = path.join(tmp.path, name);
    writeFileSync(p, JSON.stringify(content));
    return p;
  };

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    db = await createTestDatabase();
    provider = await factories(db.ds).provider();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("db migrate installs the reference catalog into a provider that lacks it", async () => {
    const [bare] = await db.ds.query(
      `INSERT INTO provider (slug, name, contact_email) VALUES ('bare', 'Bare', 'ops@bare.example') RETURNING id`,
    );
    expect((await run("db", "migrate")).code).toBe(0);
    const slugs = await db.ds.query(`SELECT slug FROM service_type WHERE provider_id = $1 ORDER BY slug`, [
      bare.id,
    ]);
    expect(slugs.map((r: { slug: string }) => r.slug)).toEqual([
      "forgejo",
      "mastodon",
      "peertube",
      "pixelfed",
    ]);
  });

  it("lists, creates and updates service types, each change accounted as the command", async () => {
    const listed = await json("catalog", "list", "--provider", provider.slug);
    expect(listed.out.map((t: { slug: string }) => t.slug)).toEqual([
      "forgejo",
      "mastodon",
      "peertube",
      "pixelfed",
    ]);
    expect(listed.out[1]).toEqual({
      slug: "mastodon",
      name: "Mastodon",
      federated: true,
      bespoke: false,
      retiredAt: null,
    });

    const schema = {
      type: "object",
      additionalProperties: false,
      properties: { anonymousNotes: { type: "boolean" } },
    };
    const created = await json(
      "catalog",
      "create",
      "--provider",
      provider.slug,
      "--slug",
      "hedgedoc",
      "--name",
      "HedgeDoc",
      "--description",
      "Collaborative notes.",
      "--no-federated",
      "--storage",
      "block",
      "--block-gib",
      "5",
      "--options-schema",
      file("hedgedoc.json", schema),
    );
    expect(created).toMatchObject({ code: 0, out: { slug: "hedgedoc", id: expect.any(String) } });
    expect(await row("hedgedoc")).toEqual({
      name: "HedgeDoc",
      description: "Collaborative notes.",
      federated: false,
      storageKinds: ["block"],
      block: 5,
      optionsSchema: schema,
      bespoke: true,
      retired: false,
    });

    const updated = await run(
      "catalog",
      "update",
      "--provider",
      provider.slug,
      "--slug",
      "mastodon",
      "--description",
      "Ours.",
    );
    expect(updated.code).toBe(0);
    expect(updated.stdout).toContain("slug: mastodon");
    expect(await row("mastodon")).toMatchObject({ description: "Ours.", bespoke: false });

    const events = await db.ds.query(
      `SELECT action, initiator->>'kind' AS kind, initiator->>'userAgent' AS ua FROM accounting_event
        WHERE target_kind = 'service_type' AND initiator->>'userAgent' LIKE 'fedicentral-cli%' ORDER BY id`,
    );
    expect(events).toEqual([
      { action: "create", kind: "system", ua: "fedicentral-cli (catalog create)" },
      { action: "update", kind: "system", ua: "fedicentral-cli (catalog update)" },
    ]);
  });

  it("refuses bad input with exit status 2 and a message, writing nothing", async () => {
    const hostile = await json(
      "catalog",
      "create",
      "--provider",
      provider.slug,
      "--slug",
      "evil",
      "--name",
      "Evil",
      "--options-schema",
      file("evil.json", { type: "string", pattern: "^(a+)\\1$" }),
    );
    expect(hostile).toMatchObject({ code: 2, out: { error: { code: "BAD_USER_INPUT" } } });
    expect(hostile.stderr).toContain("input.optionsSchema");
    expect(await row("evil")).toBeUndefined();
    const unknown = await run("catalog", "retire", "--provider", provider.slug, "--slug", "myspace");
    expect(unknown).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("has no service type myspace"),
    });
    const size = await run(
      "catalog",
      "update",
      "--provider",
      provider.slug,
      "--slug",
      "mastodon",
      "--vcpus",
      "two",
    );
    expect(size).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("--vcpus must be a whole number"),
    });
  });

  it("retires a type in use only when told, naming the deployments, and un-retires it", async () => {
    const f = factories(db.ds);
    const op = await f.operator(provider.id);
    const d = await f.deployment(op.id, "production");
    await f.service(d.id, "hedgedoc", `notes.${op.zone}`);
    const refused = await json("catalog", "retire", "--provider", provider.slug, "--slug", "hedgedoc");
    expect(refused).toMatchObject({ code: 2, out: { error: { code: "IN_USE" } } });
    expect(refused.stderr).toContain(`${op.slug}/production`);
    expect(await row("hedgedoc")).toMatchObject({ retired: false });

    const retired = await json(
      "catalog",
      "retire",
      "--provider",
      provider.slug,
      "--slug",
      "hedgedoc",
      "--even-if-in-use",
    );
    expect(retired).toMatchObject({ code: 0, out: { slug: "hedgedoc", retired: true } });
    expect(await row("hedgedoc")).toMatchObject({ retired: true });
    const back = await json("catalog", "unretire", "--provider", provider.slug, "--slug", "hedgedoc");
    expect(back).toMatchObject({ code: 0, out: { retired: false } });
    expect(await row("hedgedoc")).toMatchObject({ retired: false });
  });
});
