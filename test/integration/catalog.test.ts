import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { REFERENCE_CATALOG, type ReferenceServiceType } from "../../src/catalog/reference-catalog.js";
import { syncReferenceCatalog } from "../../src/catalog/reference-sync.js";
import { toGlobalId } from "../../src/common/global-id.js";
import { migrate } from "../../src/db/data-source.js";
import type { RunningServer } from "../../src/server.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { as, gql, startTestServer } from "../support/server.js";

const TYPE = `id slug name description federated storageKinds optionsSchema bespoke customizedFields retiredAt
  defaultResources { vcpus memoryGib blockStorageGib blobStorageGib } provider { slug }`;
const CATALOG = `query($p: ID, $retired: Boolean) { serviceTypes(providerId: $p, retired: $retired, first: 100) {
  nodes { ${TYPE} } } }`;
const CREATE = `mutation($input: CreateServiceTypeInput!) { createServiceType(input: $input) { ${TYPE} } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateServiceTypeInput!) { updateServiceType(id: $id, input: $input) { ${TYPE} } }`;
const RETIRE = `mutation($id: ID!, $force: Boolean) { retireServiceType(id: $id, evenIfInUse: $force) { slug retiredAt } }`;
const UNRETIRE = `mutation($id: ID!) { unretireServiceType(id: $id) { slug retiredAt } }`;
const ADD = `mutation($d: ID!, $type: String!, $domain: String!, $options: JSONObject) {
  addService(input: { deploymentId: $d, serviceType: $type, domain: $domain, options: $options }) { id } }`;

const REFERENCE_SLUGS = REFERENCE_CATALOG.map((t) => t.slug).sort();
const codeOf = (r: { errors?: { extensions?: Record<string, unknown> }[] }) =>
  r.errors?.[0]?.extensions?.code ?? null;

describe("the service catalog as managed reference data", () => {
  let db: TestDatabase;
  let server: RunningServer;
  let f: ReturnType<typeof factories>;

  beforeAll(async () => {
    db = await createTestDatabase();
    f = factories(db.ds);
    server = await startTestServer(db.ds);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  const catalogOf = async (providerGid: string, who = {}, retired?: boolean) => {
    const res = await gql(server, CATALOG, { p: providerGid, retired }, who);
    expect(res.errors).toBeUndefined();
    return res.data!.serviceTypes.nodes as Record<string, any>[];
  };
  const typeOf = async (providerGid: string, slug: string) =>
    (await catalogOf(providerGid)).find((t) => t.slug === slug)!;
  const events = (targetId: string) =>
    db.ds.query(
      `SELECT action, outcome, reason, changes, initiator->>'kind' AS kind, initiator->>'name' AS name
         FROM accounting_event WHERE target_kind = 'service_type' AND target_id = $1 ORDER BY id`,
      [targetId],
    );
  const uuid = (gid: string) => Buffer.from(gid, "base64url").toString().split(":")[1]!;
  const grant = (subject: string, role: string, domain: string) =>
    db.ds.query(`INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', $1, $2, $3)`, [
      subject,
      role,
      domain,
    ]);

  it("gives a provider created on an installation without seeds the reference catalog, so addService works", async () => {
    // The template database had migrations only: no demo seeds, as production runs.
    expect(await db.ds.query(`SELECT count(*)::int AS n FROM service_type`)).toEqual([{ n: 0 }]);
    const res = await gql(
      server,
      `mutation { createProvider(input: { name: "Fresh", slug: "fresh", contactEmail: "ops@fresh.example" }) { id } }`,
    );
    expect(res.errors).toBeUndefined();
    const provider = res.data!.createProvider.id as string;
    const types = await catalogOf(provider);
    expect(types.map((t) => t.slug).sort()).toEqual(REFERENCE_SLUGS);
    const mastodon = types.find((t) => t.slug === "mastodon")!;
    expect(mastodon).toMatchObject({
      name: "Mastodon",
      federated: true,
      bespoke: false,
      customizedFields: [],
      retiredAt: null,
      provider: { slug: "fresh" },
    });
    expect(await events(uuid(mastodon.id))).toEqual([
      expect.objectContaining({
        action: "create",
        outcome: "success",
        reason: "reference catalog installed",
      }),
    ]);
    const op = await f.operator(uuid(provider));
    const d = await f.deployment(op.id);
    const added = await gql(server, ADD, { d: d.gid, type: "mastodon", domain: `social.${op.zone}` });
    expect(added.errors).toBeUndefined();
  });

  it("installs the reference catalog into a provider lacking it when migrating (db migrate, MIGRATE_ON_START)", async () => {
    const [p] = await db.ds.query(
      `INSERT INTO provider (slug, name, contact_email) VALUES ('bare', 'Bare', 'ops@bare.example') RETURNING id`,
    );
    expect(await catalogOf(toGlobalId("Provider", p.id))).toEqual([]);
    await migrate(db.ds);
    const types = await catalogOf(toGlobalId("Provider", p.id));
    expect(types.map((t) => t.slug).sort()).toEqual(REFERENCE_SLUGS);
    // Nothing left to do: a second run writes nothing.
    expect(await syncReferenceCatalog(db.ds.manager)).toEqual({ installed: 0, upgraded: 0 });
  });

  it("upgrades in place on a new release: untouched fields change, the provider's edits stay, nothing is deleted", async () => {
    const edited = await f.provider();
    const untouched = await f.provider();
    await grant("user:catalog-admin", "provider-admin", `provider:${edited.id}`);
    const mine = await typeOf(edited.gid, "mastodon");
    const byAdmin = await gql(
      server,
      UPDATE,
      { id: mine.id, input: { description: "Our Mastodon, with our moderation." } },
      as("user:catalog-admin"),
    );
    expect(byAdmin.errors).toBeUndefined();
    expect(byAdmin.data!.updateServiceType).toMatchObject({
      customizedFields: ["description"],
      bespoke: false,
    });

    // The next release: Mastodon's description and size change, Lemmy comes, Forgejo leaves the reference.
    const next: ReferenceServiceType[] = [
      ...REFERENCE_CATALOG.filter((t) => t.slug !== "forgejo").map((t) =>
        t.slug === "mastodon" ? { ...t, description: "Microblogging, v2.", defaultVcpus: 3 } : t,
      ),
      {
        slug: "lemmy",
        name: "Lemmy",
        description: "Link aggregation, federated over ActivityPub.",
        federated: true,
        storageKinds: ["block"],
        defaultVcpus: 1,
        defaultMemoryGib: 1,
        defaultBlockStorageGib: 10,
        defaultBlobStorageGib: 0,
        optionsSchema: { type: "object" },
      },
    ];
    const providers = Number((await db.ds.query(`SELECT count(*)::int AS n FROM provider`))[0].n);
    // Mastodon upgraded at every provider (the edited one keeps its description), Lemmy installed at each.
    expect(await syncReferenceCatalog(db.ds.manager, next)).toEqual({
      installed: providers,
      upgraded: providers,
    });

    const kept = await typeOf(edited.gid, "mastodon");
    expect(kept).toMatchObject({
      description: "Our Mastodon, with our moderation.",
      defaultResources: { vcpus: 3 },
      customizedFields: ["description"],
    });
    expect(await typeOf(untouched.gid, "mastodon")).toMatchObject({
      description: "Microblogging, v2.",
      defaultResources: { vcpus: 3 },
      customizedFields: [],
    });
    for (const p of [edited, untouched]) {
      const slugs = (await catalogOf(p.gid)).map((t) => t.slug);
      expect(slugs).toEqual(expect.arrayContaining(["lemmy", "forgejo"]));
    }
    const trail = await events(uuid(kept.id));
    expect(trail.at(-1)).toMatchObject({
      action: "update",
      kind: "system",
      name: "reference catalog",
      reason: "reference catalog upgraded",
      changes: { defaultVcpus: { before: 2, after: 3 } },
    });
    expect(await syncReferenceCatalog(db.ds.manager, next)).toEqual({ installed: 0, upgraded: 0 });
    // The provider sets the field back to the reference's value: later releases upgrade it again.
    await gql(
      server,
      UPDATE,
      { id: kept.id, input: { description: "Microblogging, v2." } },
      as("user:catalog-admin"),
    );
    const third = next.map((t) => (t.slug === "mastodon" ? { ...t, description: "Microblogging, v3." } : t));
    await syncReferenceCatalog(db.ds.manager, third);
    expect(await typeOf(edited.gid, "mastodon")).toMatchObject({ description: "Microblogging, v3." });
  });

  describe("managed by the provider's admins", () => {
    let a: { id: string; gid: string };
    let b: { id: string; gid: string };
    let opA: { id: string; gid: string; zone: string; slug: string };
    const nextcloud = {
      slug: "nextcloud",
      name: "Nextcloud",
      description: "Files and calendars for a university.",
      federated: false,
      storageKinds: ["BLOCK", "BLOB"],
      defaultResources: { vcpus: 2, memoryGib: 4, blockStorageGib: 20, blobStorageGib: 500 },
      optionsSchema: {
        type: "object",
        additionalProperties: false,
        properties: { maxUploadMb: { type: "integer", minimum: 1, maximum: 10240 } },
      },
    };

    beforeAll(async () => {
      a = await f.provider();
      b = await f.provider();
      opA = await f.operator(a.id);
      await grant("user:admin-a", "provider-admin", `provider:${a.id}`);
      await grant("user:admin-b", "provider-admin", `provider:${b.id}`);
      await grant("user:viewer-a", "provider-viewer", `provider:${a.id}`);
      await grant("user:member-a", "operator-member", `operator:${opA.id}`);
    });

    it("creates a bespoke type with its own options schema, accounted, seen only by its provider and its operators", async () => {
      const res = await gql(
        server,
        CREATE,
        { input: { providerId: a.gid, ...nextcloud } },
        as("user:admin-a"),
      );
      expect(res.errors).toBeUndefined();
      const created = res.data!.createServiceType;
      expect(created).toMatchObject({
        slug: "nextcloud",
        bespoke: true,
        customizedFields: [],
        storageKinds: ["BLOCK", "BLOB"],
        defaultResources: nextcloud.defaultResources,
        optionsSchema: nextcloud.optionsSchema,
        provider: { slug: expect.any(String) },
      });
      expect(await events(uuid(created.id))).toEqual([
        expect.objectContaining({ action: "create", outcome: "success", kind: "user" }),
      ]);
      const slugs = async (who: string, p: string) =>
        (await catalogOf(p, as(who))).map((t) => t.slug as string);
      expect(await slugs("user:member-a", a.gid)).toContain("nextcloud");
      expect(await slugs("user:admin-b", a.gid)).toEqual([]);
      expect(await slugs("user:admin-b", b.gid)).not.toContain("nextcloud");
      // The slug is unique in a provider's catalog, not across providers.
      const again = await gql(
        server,
        CREATE,
        { input: { providerId: a.gid, ...nextcloud } },
        as("user:admin-a"),
      );
      expect(again.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", field: "slug" });
      const atB = await gql(
        server,
        CREATE,
        { input: { providerId: b.gid, ...nextcloud } },
        as("user:admin-b"),
      );
      expect(atB.errors).toBeUndefined();
    });

    it("lets nobody else change it: another provider's admin finds nothing, readers are forbidden", async () => {
      const target = await typeOf(a.gid, "nextcloud");
      const input = { name: "Taken over" };
      const byB = await gql(server, UPDATE, { id: target.id, input }, as("user:admin-b"));
      expect(byB.errors?.[0]).toMatchObject({
        message: "ServiceType not found",
        extensions: { code: "NOT_FOUND" },
      });
      for (const who of ["user:viewer-a", "user:member-a"]) {
        const r = await gql(server, UPDATE, { id: target.id, input }, as(who));
        expect({ who, code: codeOf(r) }).toEqual({ who, code: "FORBIDDEN" });
      }
      expect(codeOf(await gql(server, RETIRE, { id: target.id }, as("user:admin-b")))).toBe("NOT_FOUND");
      const intoA = await gql(
        server,
        CREATE,
        { input: { providerId: a.gid, ...nextcloud, slug: "x" } },
        as("user:admin-b"),
      );
      expect(codeOf(intoA)).toBe("NOT_FOUND");
      expect(
        codeOf(
          await gql(
            server,
            CREATE,
            { input: { providerId: a.gid, ...nextcloud, slug: "y" } },
            as("user:viewer-a"),
          ),
        ),
      ).toBe("FORBIDDEN");
      expect((await typeOf(a.gid, "nextcloud")).name).toBe("Nextcloud");
      // Each refusal is recorded, as every refusal is.
      const refused = await db.ds.query(
        `SELECT count(*)::int AS n FROM accounting_event WHERE action = 'catalog:manage' AND outcome = 'failure'`,
      );
      expect(refused[0].n).toBeGreaterThanOrEqual(5);
    });

    it("refuses hostile or invalid option schemas, and one that existing services' options fail", async () => {
      const hostile: [string, object][] = [
        ["a backreference RE2 cannot run", { type: "string", pattern: "^(a+)\\1$" }],
        ["a remote $ref", { $ref: "https://example.com/schema.json" }],
        ["nesting past the limit", JSON.parse(`${'{"not":'.repeat(40)}{}${"}".repeat(40)}`)],
        [
          "a schema larger than 64 KB",
          { enum: Array.from({ length: 5000 }, (_, i) => `value-${i}-padding`) },
        ],
      ];
      for (const [what, optionsSchema] of hostile) {
        const res = await gql(
          server,
          CREATE,
          { input: { providerId: a.gid, slug: "hostile", name: "Hostile", optionsSchema } },
          as("user:admin-a"),
        );
        expect({ what, code: codeOf(res), field: res.errors?.[0]?.extensions?.field }).toEqual({
          what,
          code: "BAD_USER_INPUT",
          field: "input.optionsSchema",
        });
      }
      const pattern = await gql(
        server,
        UPDATE,
        { id: (await typeOf(a.gid, "nextcloud")).id, input: { optionsSchema: { pattern: "(?=x)" } } },
        as("user:admin-a"),
      );
      expect(codeOf(pattern)).toBe("BAD_USER_INPUT");
      expect((await catalogOf(a.gid)).map((t) => t.slug)).not.toContain("hostile");

      const d = await f.deployment(opA.id);
      const added = await gql(
        server,
        ADD,
        {
          d: d.gid,
          type: "nextcloud",
          domain: `cloud-${d.name}.${opA.zone}`,
          options: { maxUploadMb: 2048 },
        },
        as("user:member-a"),
      );
      expect(added.errors).toBeUndefined();
      const narrower = await gql(
        server,
        UPDATE,
        {
          id: (await typeOf(a.gid, "nextcloud")).id,
          input: { optionsSchema: { type: "object", properties: { maxUploadMb: { maximum: 1024 } } } },
        },
        as("user:admin-a"),
      );
      expect(narrower.errors?.[0]).toMatchObject({
        message: expect.stringContaining(`cloud-${d.name}.${opA.zone}`),
        extensions: { code: "BAD_USER_INPUT", field: "input.optionsSchema" },
      });
    });

    it("refuses to retire a type in use, naming the deployments; retired, it takes no new services but the old keep working", async () => {
      const d = await f.deployment(opA.id, "production");
      const service = await f.service(d.id, "pixelfed", `pics.${opA.zone}`);
      const pixelfed = await typeOf(a.gid, "pixelfed");
      const refused = await gql(server, RETIRE, { id: pixelfed.id }, as("user:admin-a"));
      expect(refused.errors?.[0]?.extensions).toMatchObject({
        code: "IN_USE",
        total: 1,
        deployments: [{ id: d.gid, name: "production", operator: opA.slug }],
      });
      expect(refused.errors?.[0]?.message).toContain(`${opA.slug}/production`);
      expect((await typeOf(a.gid, "pixelfed")).retiredAt).toBeNull();

      const retired = await gql(server, RETIRE, { id: pixelfed.id, force: true }, as("user:admin-a"));
      expect(retired.errors).toBeUndefined();
      expect(retired.data!.retireServiceType.retiredAt).toEqual(expect.any(String));
      expect((await catalogOf(a.gid, {}, false)).map((t) => t.slug)).not.toContain("pixelfed");
      expect((await catalogOf(a.gid, {}, true)).map((t) => t.slug)).toEqual(["pixelfed"]);
      expect((await events(uuid(pixelfed.id))).at(-1)).toMatchObject({ action: "retire", kind: "user" });

      const other = await f.deployment(opA.id);
      const add = await gql(
        server,
        ADD,
        { d: other.gid, type: "pixelfed", domain: `pics2.${opA.zone}` },
        as("user:member-a"),
      );
      expect(add.errors?.[0]).toMatchObject({
        message: "the service type pixelfed is retired",
        extensions: { code: "BAD_USER_INPUT", field: "input.serviceType" },
      });
      const configured = await gql(
        server,
        `mutation($id: ID!) { configureService(id: $id, input: { options: { openRegistration: false } }) { id } }`,
        { id: service.gid },
        as("user:member-a"),
      );
      expect(configured.errors).toBeUndefined();
      const config = await gql(server, `query($d: ID!) { deploymentConfig(deploymentId: $d) }`, { d: d.gid });
      expect(config.data!.deploymentConfig.services).toEqual([
        expect.objectContaining({ type: "pixelfed", options: { openRegistration: false } }),
      ]);
      // B's catalog is its own: its pixelfed is not retired.
      expect((await typeOf(b.gid, "pixelfed")).retiredAt).toBeNull();

      const back = await gql(server, UNRETIRE, { id: pixelfed.id }, as("user:admin-a"));
      expect(back.data!.unretireServiceType).toEqual({ slug: "pixelfed", retiredAt: null });
      expect((await events(uuid(pixelfed.id))).at(-1)).toMatchObject({ action: "unretire" });
      const again = await gql(
        server,
        ADD,
        { d: other.gid, type: "pixelfed", domain: `pics2.${opA.zone}` },
        as("user:member-a"),
      );
      expect(again.errors).toBeUndefined();
    });
  });
});
