import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Ajv } from "ajv";
import { seedDemo } from "../../seeds/demo.js";
import type { RunningServer } from "../../src/server.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { gql, startTestServer } from "../support/server.js";

const schema = JSON.parse(readFileSync("schema/deployment-config.schema.json", "utf8")) as object;
const TABLES = [
  "provider",
  "resource_provider",
  "core_service",
  "operator",
  "service_type",
  "deployment",
  "service",
];

describe("demo seeds and deploymentConfig", () => {
  let db: TestDatabase;
  let server: RunningServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedDemo(db.ds);
    server = await startTestServer(db.ds);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  const snapshot = async () => {
    const out: Record<string, unknown> = {};
    for (const t of TABLES) out[t] = await db.ds.query(`SELECT * FROM ${t} ORDER BY id`);
    return out;
  };

  it("loads a provider, its catalog, two operators and their deployments; a second run changes nothing", async () => {
    const first = await snapshot();
    expect((first.operator as unknown[]).length).toBe(2);
    expect((first.service_type as unknown[]).length).toBe(4);
    expect((first.service as unknown[]).length).toBeGreaterThanOrEqual(4);
    await seedDemo(db.ds);
    expect(await snapshot()).toEqual(first);
  });

  it("returns the staged configuration valid against the published JSON Schema", async () => {
    const list = await gql(server, `{ deployments(first: 10) { nodes { id name operator { slug } } } }`);
    const d = list.data!.deployments.nodes.find(
      (n: { name: string; operator: { slug: string } }) =>
        n.name === "production" && n.operator.slug === "fedi-club",
    );
    const res = await gql(
      server,
      `query($id: ID!) { staged: deploymentConfig(deploymentId: $id) deployed: deploymentConfig(deploymentId: $id, which: DEPLOYED) }`,
      { id: d.id },
    );
    expect(res.errors).toBeUndefined();
    const config = res.data!.staged;
    const validate = new Ajv({ strict: false }).compile(schema);
    expect(validate(config) ? [] : validate.errors).toEqual([]);
    expect(config.operator.dnsZone).toBe("fediclub.example");
    expect(config.services.map((s: { type: string }) => s.type).sort()).toEqual(["mastodon", "pixelfed"]);
    expect(config.resourceProviders).toContainEqual({
      componentType: "virtualisation",
      implementation: "proxmox",
      settings: { cluster: "pve-ams-1" },
    });
    expect(config.coreServices.map((c: { kind: string }) => c.kind).sort()).toEqual([
      "dns",
      "mail",
      "secrets",
    ]);
    expect(res.data!.deployed).toBeNull();
  });

  it("tracks the staged generation and answers NOT_FOUND for an unknown deployment", async () => {
    const list = await gql(server, `{ deployments(first: 1) { nodes { id stagedGeneration } } }`);
    const d = list.data!.deployments.nodes[0];
    const config = await gql(server, `query($id: ID!) { deploymentConfig(deploymentId: $id) }`, { id: d.id });
    expect(config.data!.deploymentConfig.deployment.generation).toBe(d.stagedGeneration);
    const missing = Buffer.from("Deployment:00000000-0000-4000-8000-000000000000").toString("base64url");
    const res = await gql(server, `query($id: ID!) { deploymentConfig(deploymentId: $id) }`, { id: missing });
    expect(res.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("exposes the provider's schemas, resource providers and core services for frontends", async () => {
    const res = await gql(
      server,
      `{ provider(slug: "demo") { operatorInfoSchema providerInfoSchema bespokeInfo resourceProviders { componentType implementation } coreServices { kind endpoint } } }`,
    );
    const p = res.data!.provider;
    expect(p.operatorInfoSchema.properties.supportTier.enum).toContain("premium");
    expect(p.bespokeInfo.mailRelay).toBe("relay.demo-hosting.example");
    expect(p.resourceProviders).toHaveLength(7);
    expect(p.coreServices).toHaveLength(3);
  });
});
