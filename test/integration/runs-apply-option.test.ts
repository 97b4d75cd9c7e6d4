import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { RunningServer } from "../../src/server.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { gql, startTestServer } from "../support/server.js";

const LAST_RUN = `deployment { id stagedGeneration lastRun { id state generation requestId config } }`;

describe("configuration mutations with apply: true", () => {
  let db: TestDatabase;
  let server: RunningServer;
  let f: ReturnType<typeof factories>;
  let operator: { id: string; zone: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    f = factories(db.ds);
    await f.catalog();
    operator = await f.operator((await f.provider()).id, { quota: [1000, 8, 16] });
    server = await startTestServer(db.ds);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  const runCount = async (deploymentId: string) =>
    (
      await db.ds.query(`SELECT count(*)::int AS n FROM run WHERE deployment_id = $1`, [
        Buffer.from(deploymentId, "base64url").toString().split(":")[1],
      ])
    )[0].n as number;

  async function ok(query: string, variables: Record<string, unknown>, requestId?: string) {
    const res = await gql(server, query, variables, requestId ? { "x-request-id": requestId } : {});
    expect(res.errors).toBeUndefined();
    return res.data!;
  }

  it("each configuration mutation queues a run of the configuration it produced, in its transaction", async () => {
    const d = await f.deployment(operator.id);
    const added = await ok(
      `mutation($d: ID!, $domain: String!) { addService(input: { deploymentId: $d, serviceType: "mastodon", domain: $domain },
        apply: true) { id ${LAST_RUN} } }`,
      { d: d.gid, domain: `social.${operator.zone}` },
      "req-add",
    );
    const service = added.addService;
    let run = service.deployment.lastRun;
    expect(run).toMatchObject({ state: "QUEUED", generation: 2, requestId: "req-add" });
    expect(run.config.services).toMatchObject([{ id: service.id, type: "mastodon", enabled: true }]);
    expect(run.generation).toBe(service.deployment.stagedGeneration);
    // The change and its run are accounted with the same request id.
    const events = await db.ds.query(
      `SELECT action, target_kind AS kind, outcome FROM accounting_event WHERE request_id = 'req-add' ORDER BY id`,
    );
    expect(events).toEqual([
      { action: "create", kind: "service", outcome: "success" },
      { action: "apply", kind: "run", outcome: "pending" },
    ]);

    const configured = await ok(
      `mutation($id: ID!) { configureService(id: $id, input: { vcpus: 3 }, apply: true) { ${LAST_RUN} } }`,
      { id: service.id },
    );
    run = configured.configureService.deployment.lastRun;
    expect(run).toMatchObject({ state: "QUEUED", generation: 3 });
    expect(run.config.services[0].resources.vcpus).toBe(3);

    const disabled = await ok(`mutation($id: ID!) { disableService(id: $id, apply: true) { ${LAST_RUN} } }`, {
      id: service.id,
    });
    expect(disabled.disableService.deployment.lastRun.config.services[0].enabled).toBe(false);
    const enabled = await ok(`mutation($id: ID!) { enableService(id: $id, apply: true) { ${LAST_RUN} } }`, {
      id: service.id,
    });
    expect(enabled.enableService.deployment.lastRun.config.services[0].enabled).toBe(true);

    await ok(`mutation($id: ID!) { removeService(id: $id, apply: true) }`, { id: service.id });
    const after = await ok(
      `query($d: ID!) { node(id: $d) { ... on Deployment { lastRun { generation config } } } }`,
      {
        d: d.gid,
      },
    );
    expect(after.node.lastRun.config.services).toEqual([]);
    expect(after.node.lastRun.generation).toBe(6);
    expect(await runCount(d.gid)).toBe(5);
  });

  it("without apply no run is queued, and a refused change queues none either", async () => {
    const d = await f.deployment(operator.id);
    await ok(
      `mutation($d: ID!, $domain: String!) { addService(input: { deploymentId: $d, serviceType: "pixelfed", domain: $domain }) { id } }`,
      { d: d.gid, domain: `pics-${d.name}.${operator.zone}` },
    );
    expect(await runCount(d.gid)).toBe(0);
    const refused = await gql(
      server,
      `mutation($d: ID!, $domain: String!) { addService(input: { deploymentId: $d, serviceType: "peertube",
        domain: $domain, vcpus: 500 }, apply: true) { id } }`,
      { d: d.gid, domain: `video-${d.name}.${operator.zone}` },
    );
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "QUOTA_EXCEEDED" });
    expect(await runCount(d.gid)).toBe(0);
  });
});
