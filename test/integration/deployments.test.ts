import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { gql, startTestServer } from "../support/server.js";
import type { RunningServer } from "../../src/server.js";

const ADD = `mutation($input: AddServiceInput!) { addService(input: $input) {
  id enabled domain options blockStorageGib blobStorageGib vcpus memoryGib backupPolicy { schedule source }
  serviceType { slug federated } deployment { stagedGeneration } } }`;

describe("deployments and services", () => {
  let db: TestDatabase;
  let server: RunningServer;
  let f: ReturnType<typeof factories>;
  let provider: { id: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    f = factories(db.ds);
    await f.catalog();
    provider = await f.provider();
    server = await startTestServer(db.ds);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  async function freshDeployment(quota: [number, number, number] = [1000, 16, 64]) {
    const op = await f.operator(provider.id, { quota });
    const res = await gql(
      server,
      `mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { id name stagedGeneration deployedGeneration operator { slug } } }`,
      {
        input: { operatorId: op.gid, name: "production" },
      },
    );
    expect(res.errors).toBeUndefined();
    return { op, deployment: res.data!.createDeployment as { id: string; stagedGeneration: number } };
  }

  const state = async (operatorId: string) =>
    db.ds.query(
      `SELECT d.staged_generation AS g, count(s.id)::int AS services,
              (SELECT count(*)::int FROM accounting_event WHERE operator_id = $1) AS events
         FROM deployment d LEFT JOIN service s ON s.deployment_id = d.id WHERE d.operator_id = $1 GROUP BY d.id`,
      [operatorId],
    );

  it("adds a service with the type's defaults and bumps the staged generation", async () => {
    const { op, deployment } = await freshDeployment();
    expect(deployment.stagedGeneration).toBe(1);
    const res = await gql(server, ADD, {
      input: {
        deploymentId: deployment.id,
        serviceType: "mastodon",
        domain: `social.${op.zone}`,
        options: { registrations: "open" },
      },
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!.addService).toMatchObject({
      enabled: true,
      domain: `social.${op.zone}`,
      options: { registrations: "open" },
      blockStorageGib: 20,
      blobStorageGib: 100,
      vcpus: 2,
      memoryGib: 4,
      // Neither its own policy (setBackupPolicy) nor a provider default.
      backupPolicy: null,
      serviceType: { slug: "mastodon", federated: true },
      deployment: { stagedGeneration: 2 },
    });
  });

  it.each([
    ["a domain outside the zone", { domain: "social.elsewhere.example" }, "input.domain"],
    [
      "options the type's schema rejects",
      { options: { openRegistration: "yes" } },
      "input.options.openRegistration",
    ],
    ["an unknown option", { options: { colour: "red" } }, "input.options.colour"],
    ["an unknown service type", { serviceType: "myspace" }, "input.serviceType"],
  ])("refuses %s, changing nothing", async (_n, over, field) => {
    const { op, deployment } = await freshDeployment();
    const before = await state(op.id);
    const res = await gql(server, ADD, {
      input: { deploymentId: deployment.id, serviceType: "pixelfed", domain: `pics.${op.zone}`, ...over },
    });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    expect(await state(op.id)).toEqual(before);
  });

  it("refuses a change past the booked quota with QUOTA_EXCEEDED and changes nothing", async () => {
    const { op, deployment } = await freshDeployment([250, 16, 64]);
    const first = await gql(server, ADD, {
      input: { deploymentId: deployment.id, serviceType: "mastodon", domain: `a.${op.zone}` },
    });
    expect(first.errors).toBeUndefined();
    const before = await state(op.id);
    const second = await gql(server, ADD, {
      input: { deploymentId: deployment.id, serviceType: "pixelfed", domain: `b.${op.zone}` },
    });
    expect(second.errors?.[0]?.extensions).toMatchObject({
      code: "QUOTA_EXCEEDED",
      field: "quota.storageGib",
    });
    expect(await state(op.id)).toEqual(before);

    const grow = await gql(
      server,
      `mutation($id: ID!) { configureService(id: $id, input: { blobStorageGib: 300 }) { id } }`,
      {
        id: first.data!.addService.id,
      },
    );
    // The field named is the input that asked for more than was booked.
    expect(grow.errors?.[0]?.extensions).toMatchObject({
      code: "QUOTA_EXCEEDED",
      field: "input.blobStorageGib",
      quota: "storageGib",
    });
    const big = await gql(server, ADD, {
      input: { deploymentId: deployment.id, serviceType: "forgejo", domain: `c.${op.zone}`, vcpus: 15 },
    });
    expect(big.errors?.[0]?.extensions).toMatchObject({ code: "QUOTA_EXCEEDED", field: "input.vcpus" });
    const shrinkQuota = await gql(
      server,
      `mutation($id: ID!) { setOperatorQuota(id: $id, quota: { storageGib: 10, vcpus: 16, memoryGib: 64 }) { id } }`,
      { id: op.gid },
    );
    expect(shrinkQuota.errors?.[0]?.extensions?.code).toBe("QUOTA_EXCEEDED");
    expect(await state(op.id)).toEqual(before);

    // A disabled service needs nothing, so the second one fits once the first is off.
    const off = await gql(server, `mutation($id: ID!) { disableService(id: $id) { enabled } }`, {
      id: first.data!.addService.id,
    });
    expect(off.data!.disableService.enabled).toBe(false);
    const retry = await gql(server, ADD, {
      input: { deploymentId: deployment.id, serviceType: "pixelfed", domain: `b.${op.zone}` },
    });
    expect(retry.errors).toBeUndefined();
  });

  it("holds the quota under concurrent additions", async () => {
    const { op } = await freshDeployment([100, 64, 64]);
    const deployments = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => (await f.deployment(op.id, `c${i}`)).gid),
    );
    // Each forgejo needs 20 GiB; only five fit into 100.
    const results = await Promise.all(
      deployments.map((d, i) =>
        gql(server, ADD, {
          input: { deploymentId: d, serviceType: "forgejo", domain: `git${i}.${op.zone}` },
        }),
      ),
    );
    const ok = results.filter((r) => !r.errors).length;
    expect(ok).toBe(5);
    expect(results.filter((r) => r.errors?.[0]?.extensions?.code === "QUOTA_EXCEEDED")).toHaveLength(1);
  });

  it("renames, configures, removes and deletes, each bumping what it should", async () => {
    const { op, deployment } = await freshDeployment();
    const added = await gql(server, ADD, {
      input: { deploymentId: deployment.id, serviceType: "peertube", domain: `video.${op.zone}` },
    });
    const sid = added.data!.addService.id as string;
    const conf = await gql(
      server,
      `mutation($id: ID!) { configureService(id: $id, input: { options: { transcoding: true }, vcpus: 3 }) { options vcpus backupPolicy { schedule } deployment { stagedGeneration } } }`,
      { id: sid },
    );
    expect(conf.data!.configureService).toEqual({
      options: { transcoding: true },
      vcpus: 3,
      backupPolicy: null,
      deployment: { stagedGeneration: 3 },
    });
    const ren = await gql(
      server,
      `mutation($id: ID!) { renameDeployment(id: $id, name: "prod-2") { name stagedGeneration } }`,
      { id: deployment.id },
    );
    expect(ren.data!.renameDeployment).toEqual({ name: "prod-2", stagedGeneration: 3 });
    const rm = await gql(server, `mutation($id: ID!) { removeService(id: $id) }`, { id: sid });
    expect(rm.data!.removeService).toBe(sid);
    const gone = await gql(server, `query($id: ID!) { node(id: $id) { id } }`, { id: sid });
    expect(gone.data!.node).toBeNull();
    const del = await gql(server, `mutation($id: ID!) { deleteDeployment(id: $id) }`, { id: deployment.id });
    expect(del.data!.deleteDeployment).toBe(deployment.id);
    const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM deployment WHERE operator_id = $1`, [
      op.id,
    ]);
    expect(n).toBe(0);
    const actions = await db.ds.query(
      `SELECT action || ':' || target_kind AS a FROM accounting_event WHERE operator_id = $1 ORDER BY id`,
      [op.id],
    );
    expect(actions.map((r: { a: string }) => r.a)).toEqual([
      "create:deployment",
      "create:service",
      "update:service",
      "update:deployment",
      "delete:service",
      "delete:deployment",
    ]);
  });

  it("refuses a second deployment with the same name with CONFLICT", async () => {
    const { op } = await freshDeployment();
    const res = await gql(
      server,
      `mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { id } }`,
      {
        input: { operatorId: op.gid, name: "production" },
      },
    );
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", field: "name" });
  });
});
