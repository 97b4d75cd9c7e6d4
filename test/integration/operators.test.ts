import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { gql, startTestServer } from "../support/server.js";
import type { RunningServer } from "../../src/server.js";

const CREATE = `mutation($input: CreateOperatorInput!) { createOperator(input: $input) {
  id slug name contactEmail dnsZone status quota { storageGib vcpus memoryGib } bespokeInfo provider { slug } } }`;

describe("operator lifecycle", () => {
  let db: TestDatabase;
  let server: RunningServer;
  let provider: { id: string; gid: string; slug: string };
  const events = async () =>
    Number((await db.ds.query(`SELECT count(*)::int AS n FROM accounting_event`))[0].n);
  const operators = async () => Number((await db.ds.query(`SELECT count(*)::int AS n FROM operator`))[0].n);

  beforeAll(async () => {
    db = await createTestDatabase();
    const f = factories(db.ds);
    provider = await f.provider({
      operatorInfoSchema: {
        type: "object",
        additionalProperties: false,
        properties: { tier: { enum: ["basic", "premium"] } },
      },
    });
    server = await startTestServer(db.ds);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  const input = (over: Record<string, unknown> = {}) => ({
    providerId: provider.gid,
    name: "Fedi Club",
    slug: "fedi-club",
    contactEmail: "Admin@Fediclub.Example",
    dnsZone: "Fediclub.Example.",
    quota: { storageGib: 100, vcpus: 4, memoryGib: 8 },
    bespokeInfo: { tier: "basic" },
    ...over,
  });

  it("creates an operator, normalising email and zone, with one accounting event", async () => {
    const before = await events();
    const res = await gql(server, CREATE, { input: input() });
    expect(res.errors).toBeUndefined();
    const op = res.data!.createOperator;
    expect(op).toMatchObject({
      slug: "fedi-club",
      contactEmail: "Admin@fediclub.example",
      dnsZone: "fediclub.example",
      status: "ACTIVE",
      quota: { storageGib: 100, vcpus: 4, memoryGib: 8 },
      bespokeInfo: { tier: "basic" },
      provider: { slug: provider.slug },
    });
    expect(await events()).toBe(before + 1);
    const [e] = await db.ds.query(
      `SELECT action, target_kind, outcome FROM accounting_event ORDER BY id DESC LIMIT 1`,
    );
    expect(e).toEqual({ action: "create", target_kind: "operator", outcome: "success" });
  });

  it("stores an IDN zone in ASCII form", async () => {
    const res = await gql(server, CREATE, {
      input: input({ slug: "uni", dnsZone: "université.example", name: "Uni" }),
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!.createOperator.dnsZone).toBe("xn--universit-j4a.example");
  });

  it.each([
    ["slug", { slug: "Not A Slug" }, "input.slug"],
    ["email", { contactEmail: "not-an-email" }, "input.contactEmail"],
    ["dns zone", { dnsZone: "no_underscores.example" }, "input.dnsZone"],
    ["single-label zone", { dnsZone: "localhost" }, "input.dnsZone"],
    ["negative quota", { quota: { storageGib: -1, vcpus: 1, memoryGib: 1 } }, "input.quota.storageGib"],
    [
      "bespoke info against the provider's schema",
      { bespokeInfo: { tier: "gold" } },
      "input.bespokeInfo.tier",
    ],
    ["unknown bespoke field", { bespokeInfo: { colour: "red" } }, "input.bespokeInfo.colour"],
    ["provider id of another type", { providerId: "T3BlcmF0b3I6eA" }, "input.providerId"],
  ])("refuses a bad %s with BAD_USER_INPUT naming the field, writing nothing", async (_name, over, field) => {
    const [ops, evs] = [await operators(), await events()];
    const res = await gql(server, CREATE, {
      input: input({ slug: "other", dnsZone: "other.example", ...over }),
    });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    expect(await operators()).toBe(ops);
    expect(await events()).toBe(evs);
  });

  it("refuses a duplicate slug or zone with CONFLICT", async () => {
    const slugClash = await gql(server, CREATE, { input: input({ dnsZone: "another.example" }) });
    expect(slugClash.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", field: "slug" });
    const zoneClash = await gql(server, CREATE, { input: input({ slug: "another" }) });
    expect(zoneClash.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", field: "dnsZone" });
  });

  it("refuses a zone inside or above another operator's zone, on create and on update, with nothing written", async () => {
    const f = factories(db.ds);
    // Another provider's operator, three labels deep so that the zone above it is a valid zone too.
    const o = await f.operator((await f.provider()).id);
    const other = { zone: `team.${o.zone}` };
    await db.ds.query(`UPDATE operator SET dns_zone = $2 WHERE id = $1`, [o.id, other.zone]);
    const ops = await operators();
    const evs = await events();
    for (const [slug, dnsZone] of [
      ["nested", `sub.${other.zone}`],
      ["deeper", `a.b.${other.zone}`],
      ["above", other.zone.split(".").slice(1).join(".")],
    ]) {
      const res = await gql(server, CREATE, { input: input({ slug, dnsZone }) });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", field: "dnsZone" });
    }
    // A zone that merely ends with the same letters is not nested.
    const sibling = await gql(server, CREATE, {
      input: input({ slug: "sibling", dnsZone: `x${other.zone}` }),
    });
    expect(sibling.errors).toBeUndefined();
    expect(await operators()).toBe(ops + 1);
    expect(await events()).toBe(evs + 1);
    const moved = await gql(
      server,
      `mutation($id: ID!, $z: String!) { updateOperator(id: $id, input: { dnsZone: $z }) { dnsZone } }`,
      { id: sibling.data!.createOperator.id, z: `social.${other.zone}` },
    );
    expect(moved.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", field: "dnsZone" });
    expect(await events()).toBe(evs + 1);
  });

  it("lets only one of two racing creations of nested zones through", async () => {
    for (let round = 0; round < 5; round++) {
      const zone = `race${round}.example`;
      const [outer, inner] = await Promise.all([
        gql(server, CREATE, { input: input({ slug: `race-outer-${round}`, dnsZone: zone }) }),
        gql(server, CREATE, { input: input({ slug: `race-inner-${round}`, dnsZone: `in.${zone}` }) }),
      ]);
      const ok = [outer, inner].filter((r) => !r.errors);
      expect(ok).toHaveLength(1);
      const refused = [outer, inner].find((r) => r.errors)!;
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", field: "dnsZone" });
    }
  });

  it("updates, suspends and resumes, recording before and after", async () => {
    const created = await gql(server, CREATE, {
      input: input({ slug: "upd", dnsZone: "upd.example", name: "Before" }),
    });
    const id = created.data!.createOperator.id as string;
    const upd = await gql(
      server,
      `mutation($id: ID!) { updateOperator(id: $id, input: { name: "After" }) { name } }`,
      { id },
    );
    expect(upd.data!.updateOperator.name).toBe("After");
    const [e] = await db.ds.query(`SELECT changes FROM accounting_event ORDER BY id DESC LIMIT 1`);
    expect(e.changes).toEqual({ name: { before: "Before", after: "After" } });
    const sus = await gql(server, `mutation($id: ID!) { suspendOperator(id: $id) { status } }`, { id });
    expect(sus.data!.suspendOperator.status).toBe("SUSPENDED");
    const res = await gql(server, `mutation($id: ID!) { resumeOperator(id: $id) { status } }`, { id });
    expect(res.data!.resumeOperator.status).toBe("ACTIVE");
  });

  it("answers NOT_FOUND for an operator that does not exist", async () => {
    const missing = Buffer.from("Operator:00000000-0000-4000-8000-000000000000").toString("base64url");
    const res = await gql(server, `mutation($id: ID!) { suspendOperator(id: $id) { status } }`, {
      id: missing,
    });
    expect(res.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("validates bespoke info updates against the provider's schema", async () => {
    const created = await gql(server, CREATE, { input: input({ slug: "bes", dnsZone: "bes.example" }) });
    const id = created.data!.createOperator.id as string;
    const ok = await gql(
      server,
      `mutation($id: ID!) { setOperatorBespokeInfo(id: $id, info: { tier: "premium" }) { bespokeInfo } }`,
      { id },
    );
    expect(ok.data!.setOperatorBespokeInfo.bespokeInfo).toEqual({ tier: "premium" });
    const bad = await gql(
      server,
      `mutation($id: ID!) { setOperatorBespokeInfo(id: $id, info: { tier: 3 }) { bespokeInfo } }`,
      { id },
    );
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "info.tier" });
  });

  it("masks unexpected errors as INTERNAL_SERVER_ERROR without detail", async () => {
    await db.ds.query(`ALTER TABLE operator RENAME COLUMN contact_email TO contact_email_x`);
    try {
      // The renamed column is selected: a one-statement read reads only the columns asked for.
      const res = await gql(server, `{ operators(first: 1) { nodes { id contactEmail } } }`);
      expect(res.errors?.[0]).toMatchObject({
        message: "Internal server error",
        extensions: { code: "INTERNAL_SERVER_ERROR" },
      });
      expect(JSON.stringify(res.errors)).not.toMatch(/contact_email/);
    } finally {
      await db.ds.query(`ALTER TABLE operator RENAME COLUMN contact_email_x TO contact_email`);
    }
  });
});
