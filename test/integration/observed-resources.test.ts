import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { RunningServer } from "../../src/server.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { as, gql, startTestServer } from "../support/server.js";

const REPORT = `mutation($d: ID!, $r: [ResourceStateInput!]!, $complete: Boolean) {
  reportResourceState(deploymentId: $d, resources: $r, complete: $complete) {
    id
    observedResources { kind name status outputs generation observedAt serviceId orphaned service { id domain } }
    drift { status stagedGeneration deployedGeneration pendingChanges lastObservedAt
            items { kind message serviceId resource { name } } }
  }
}`;

describe("observed resource state", () => {
  let db: TestDatabase;
  let server: RunningServer;
  let f: ReturnType<typeof factories>;
  let types: Record<string, string>;
  let operator: { id: string; gid: string; zone: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    f = factories(db.ds);
    types = await f.catalog();
    operator = await f.operator((await f.provider()).id);
    server = await startTestServer(db.ds);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  async function report(d: string, resources: object[], complete = false) {
    const res = await gql(server, REPORT, { d, r: resources, complete });
    expect(res.errors).toBeUndefined();
    return res.data!.reportResourceState;
  }

  /** A deployment with two services, deployed at generation 1 as if a run had succeeded. */
  async function deployed() {
    const d = await f.deployment(operator.id);
    const web = await f.service(d.id, types.mastodon!, `social-${d.name}.${operator.zone}`);
    const pics = await f.service(d.id, types.pixelfed!, `pics-${d.name}.${operator.zone}`);
    const config = {
      services: [
        { id: web.gid, enabled: true, domain: `social-${d.name}.${operator.zone}` },
        { id: pics.gid, enabled: true, domain: `pics-${d.name}.${operator.zone}` },
      ],
    };
    await db.ds.query(
      `UPDATE deployment SET deployed_config = $2, deployed_generation = 1, deployed_at = now() WHERE id = $1`,
      [d.id, config],
    );
    return { d, web, pics };
  }

  it("stores what was reported without secrets, and shows the deployment in sync", async () => {
    const { d, web, pics } = await deployed();
    const before = await gql(
      server,
      `query($d: ID!) { node(id: $d) { ... on Deployment { drift { status } } } }`,
      {
        d: d.gid,
      },
    );
    expect(before.data!.node.drift.status).toBe("UNKNOWN");
    const out = await report(d.gid, [
      {
        kind: "virtualisation",
        name: "mastodon.vm",
        status: "HEALTHY",
        serviceId: web.gid,
        generation: 1,
        outputs: {
          ip: "192.0.2.10",
          adminPassword: "hunter2",
          nested: { api_key: "k", list: [{ clientSecret: "s" }, "-----BEGIN OPENSSH PRIVATE KEY-----\nx"] },
        },
      },
      { kind: "dns", name: "pixelfed.dns", status: "HEALTHY", serviceId: pics.gid, generation: 1 },
    ]);
    expect(out.observedResources).toMatchObject([
      { kind: "dns", name: "pixelfed.dns", status: "HEALTHY", orphaned: false, service: { id: pics.gid } },
      {
        kind: "virtualisation",
        name: "mastodon.vm",
        generation: 1,
        serviceId: web.gid,
        outputs: {
          ip: "192.0.2.10",
          adminPassword: "[redacted]",
          nested: { api_key: "[redacted]", list: [{ clientSecret: "[redacted]" }, "[redacted]"] },
        },
      },
    ]);
    expect(out.drift).toMatchObject({
      status: "IN_SYNC",
      stagedGeneration: 1,
      deployedGeneration: 1,
      pendingChanges: false,
      items: [],
    });
    // Not even the database holds a secret.
    const [{ raw }] = await db.ds.query(
      `SELECT string_agg(outputs::text, ' ') AS raw FROM observed_resource WHERE deployment_id = $1`,
      [d.id],
    );
    expect(raw).not.toMatch(/hunter2|"k"|PRIVATE KEY/);
    const [event] = await db.ds.query(
      `SELECT event_type AS type, action, target_kind AS kind FROM accounting_event WHERE target_id = $1 AND action = 'report'`,
      [d.id],
    );
    expect(event).toEqual({ type: "monitor", action: "report", kind: "deployment" });
  });

  it("shows drift: unhealthy, missing, outdated, not observed, and orphaned after a service is removed", async () => {
    const { d, web, pics } = await deployed();
    await report(d.gid, [
      { kind: "virtualisation", name: "mastodon.vm", status: "DEGRADED", serviceId: web.gid, generation: 1 },
      { kind: "dns", name: "mastodon.dns", status: "MISSING", serviceId: web.gid },
    ]);
    const removed = await gql(server, `mutation($id: ID!) { removeService(id: $id) }`, { id: web.gid });
    expect(removed.errors).toBeUndefined();
    await db.ds.query(`UPDATE deployment SET deployed_generation = 2 WHERE id = $1`, [d.id]);
    const out = await report(d.gid, [
      { kind: "virtualisation", name: "mastodon.vm", status: "HEALTHY", serviceId: web.gid, generation: 1 },
    ]);
    expect(out.observedResources.map((r: any) => [r.name, r.orphaned, r.service])).toEqual([
      ["mastodon.dns", true, null],
      ["mastodon.vm", true, null],
    ]);
    const kinds = out.drift.items.map((i: any) => `${i.kind}:${i.resource?.name ?? i.serviceId}`).sort();
    expect(kinds).toEqual(
      [
        "MISSING:mastodon.dns",
        "NOT_OBSERVED:" + pics.gid,
        "ORPHANED:mastodon.dns",
        "ORPHANED:mastodon.vm",
        "OUTDATED:mastodon.vm",
      ].sort(),
    );
    expect(out.drift).toMatchObject({ status: "DRIFTED", stagedGeneration: 2, pendingChanges: false });
    // A run applied generation 2 (without the removed service); someone removed its resources by hand,
    // and the provider reports the whole picture: they are gone.
    await db.ds.query(
      `UPDATE deployment SET deployed_config = jsonb_build_object('services', jsonb_build_array(deployed_config->'services'->1))
        WHERE id = $1`,
      [d.id],
    );
    const clean = await report(
      d.gid,
      [{ kind: "dns", name: "pixelfed.dns", status: "HEALTHY", serviceId: pics.gid, generation: 2 }],
      true,
    );
    expect(clean.observedResources.map((r: any) => r.name)).toEqual(["pixelfed.dns"]);
    expect(clean.drift).toMatchObject({ status: "IN_SYNC", items: [] });
  });

  it("keeps the newer observation when reports arrive out of order", async () => {
    const { d, web } = await deployed();
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    await report(d.gid, [
      { kind: "vm", name: "mastodon.vm", status: "HEALTHY", serviceId: web.gid, observedAt: at(1) },
    ]);
    const out = await report(d.gid, [
      { kind: "vm", name: "mastodon.vm", status: "FAILED", serviceId: web.gid, observedAt: at(5) },
    ]);
    expect(out.observedResources).toMatchObject([{ name: "mastodon.vm", status: "HEALTHY" }]);
  });

  it("refuses bad reports, naming the field", async () => {
    const { d } = await deployed();
    const bad = async (resources: object[], field: string) => {
      const res = await gql(server, REPORT, { d: d.gid, r: resources });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    };
    await bad([{ kind: "Has Space", name: "a", status: "HEALTHY" }], "resources[0].kind");
    await bad([{ kind: "vm", name: "", status: "HEALTHY" }], "resources[0].name");
    await bad([{ kind: "vm", name: "a", status: "HEALTHY", serviceId: d.gid }], "resources[0].serviceId");
    await bad(
      [
        { kind: "vm", name: "a", status: "HEALTHY" },
        { kind: "vm", name: "a", status: "FAILED" },
      ],
      "resources[1].name",
    );
    await bad(
      [
        {
          kind: "vm",
          name: "a",
          status: "HEALTHY",
          observedAt: new Date(Date.now() + 3_600_000).toISOString(),
        },
      ],
      "resources[0].observedAt",
    );
    const missing = await gql(server, REPORT, {
      d: Buffer.from("Deployment:00000000-0000-4000-8000-000000000000").toString("base64url"),
      r: [],
    });
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: "NOT_FOUND" });
    const [{ n }] = await db.ds.query(
      `SELECT count(*)::int AS n FROM observed_resource WHERE deployment_id = $1`,
      [d.id],
    );
    expect(n).toBe(0);
  });
  it("answers a config-reader's report with the deployment, and still nothing else of it", async () => {
    const { d, web } = await deployed();
    const reader = "client:rp-answer-reader";
    const granted = await gql(server, `mutation($i: RoleGrantInput!) { grantRole(input: $i) { domain } }`, {
      i: { subject: reader, role: "config-reader", operatorId: operator.gid },
    });
    expect(granted.errors).toBeUndefined();
    const resources = [
      { kind: "virtualisation", name: "mastodon.vm", status: "HEALTHY", serviceId: web.gid },
    ];
    const res = await gql(
      server,
      `mutation($d: ID!, $r: [ResourceStateInput!]!) {
        reportResourceState(deploymentId: $d, resources: $r) { id observedResources { name status } drift { status } }
      }`,
      { d: d.gid, r: resources },
      as(reader),
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.reportResourceState).toEqual({
      id: d.gid,
      observedResources: [{ name: "mastodon.vm", status: "HEALTHY" }],
      drift: { status: "DRIFTED" },
    });
    const runs = await gql(
      server,
      `mutation($d: ID!, $r: [ResourceStateInput!]!) {
        reportResourceState(deploymentId: $d, resources: $r) { operator { id } lastRun { id } }
      }`,
      { d: d.gid, r: resources },
      as(reader),
    );
    expect(runs.errors?.map((e) => e.extensions?.code)).toEqual(["NOT_FOUND"]);
    expect(runs.data).toBeNull();
  });
});
