// A provider's resource providers and core services, set by its admins through the API: upserted by their
// key, each change one accounting event, another provider's admin and a viewer refused.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { providerDomain } from "../../src/authz/model.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { type TestServer, as, gql, startTestServer } from "../support/server.js";

const SET_RP = `mutation($p: ID!, $input: ResourceProviderInput!) {
  setResourceProvider(providerId: $p, input: $input) { resourceProviders { id componentType implementation settings } } }`;
const SET_CS = `mutation($p: ID!, $input: CoreServiceInput!) {
  setCoreService(providerId: $p, input: $input) { coreServices { id kind name endpoint } } }`;
const REMOVE_RP = `mutation($id: ID!) { removeResourceProvider(id: $id) { resourceProviders { id } } }`;

const ADMIN = "user:components-admin";
const VIEWER = "user:components-viewer";
const OTHER = "user:components-other-admin";

describe("resource providers and core services through the API", () => {
  let db: TestDatabase;
  let server: TestServer;
  let provider: { id: string; gid: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    const f = factories(db.ds);
    provider = await f.provider();
    const other = await f.provider();
    await db.ds.query(
      `INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', $1, 'provider-admin', $2),
         ('g', $3, 'provider-viewer', $2), ('g', $4, 'provider-admin', $5)`,
      [ADMIN, providerDomain(provider.id), VIEWER, OTHER, providerDomain(other.id)],
    );
    server = await startTestServer(db.ds);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  const events = async (kind: string) =>
    (
      await db.ds.query(
        `SELECT action FROM accounting_event WHERE target_kind = $1 AND outcome = 'success' ORDER BY occurred_at, id`,
        [kind],
      )
    ).map((r: { action: string }) => r.action);

  it("adds, replaces the settings of and removes a resource provider, one event each", async () => {
    const input = { componentType: "VIRTUALISATION", implementation: "proxmox", settings: { cluster: "a" } };
    const added = await gql(server, SET_RP, { p: provider.gid, input }, as(ADMIN));
    expect(added.errors).toBeUndefined();
    const again = await gql(
      server,
      SET_RP,
      { p: provider.gid, input: { ...input, settings: { cluster: "b" } } },
      as(ADMIN),
    );
    const [rp] = again.data!.setResourceProvider.resourceProviders;
    expect(again.data!.setResourceProvider.resourceProviders).toHaveLength(1);
    expect(rp).toMatchObject({
      componentType: "VIRTUALISATION",
      implementation: "proxmox",
      settings: { cluster: "b" },
    });
    // The same again changes nothing and records nothing.
    await gql(
      server,
      SET_RP,
      { p: provider.gid, input: { ...input, settings: { cluster: "b" } } },
      as(ADMIN),
    );
    const removed = await gql(server, REMOVE_RP, { id: rp.id }, as(ADMIN));
    expect(removed.data!.removeResourceProvider.resourceProviders).toEqual([]);
    expect(await events("resource_provider")).toEqual(["create", "update", "delete"]);
  });

  it("takes a core service's endpoint as a URL without credentials, the mail relay as smtp://host[:port]", async () => {
    const mail = { kind: "MAIL", name: "relay", endpoint: "smtp://relay.example:587" };
    const ok = await gql(server, SET_CS, { p: provider.gid, input: mail }, as(ADMIN));
    expect(ok.data!.setCoreService.coreServices).toEqual([expect.objectContaining(mail)]);
    for (const endpoint of ["https://relay.example", "smtp://user:pw@relay.example", "not a url"]) {
      const bad = await gql(server, SET_CS, { p: provider.gid, input: { ...mail, endpoint } }, as(ADMIN));
      expect({ endpoint, ext: bad.errors?.[0]?.extensions }).toMatchObject({
        endpoint,
        ext: { code: "BAD_USER_INPUT", field: "input.endpoint" },
      });
    }
    expect(await events("core_service")).toEqual(["create"]);
  });

  it("refuses a viewer (FORBIDDEN) and another provider's admin (NOT_FOUND), changing nothing", async () => {
    const input = { componentType: "DNS", implementation: "desec" };
    const viewer = await gql(server, SET_RP, { p: provider.gid, input }, as(VIEWER));
    expect(viewer.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const other = await gql(server, SET_RP, { p: provider.gid, input }, as(OTHER));
    expect(other.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const [{ n }] = await db.ds.query(
      `SELECT count(*)::int AS n FROM resource_provider WHERE component_type = 'dns'`,
    );
    expect(n).toBe(0);
  });
});
