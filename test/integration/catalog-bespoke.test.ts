import { describe, expect, it } from "@jest/globals";
import { toGlobalId } from "../../src/common/global-id.js";
import { pollUntil } from "../support/poll.js";
import { useRunHarness } from "../support/runs.js";
import { as, gql } from "../support/server.js";

/**
 * A provider's bespoke service (an academic institution's Nextcloud), added to its catalog like any other
 * type, with its own options schema, then added to a deployment and deployed through the fake nixops4.
 */
describe("a provider's bespoke service", () => {
  const h = useRunHarness("catalog-bespoke", { concurrency: 1, pollMs: 50 });

  it("is created in the provider's catalog, its options checked by its own schema, and deployed", async () => {
    const [{ providerId, zone }] = await h.db.ds.query(
      `SELECT provider_id AS "providerId", dns_zone AS zone FROM operator WHERE id = $1`,
      [h.operator.id],
    );
    await h.db.ds.query(
      `INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', 'user:uni-admin', 'provider-admin', $1)`,
      [`provider:${providerId}`],
    );
    const created = await gql(
      h.server,
      `mutation($input: CreateServiceTypeInput!) { createServiceType(input: $input) { id slug bespoke } }`,
      {
        input: {
          providerId: toGlobalId("Provider", providerId),
          slug: "edumeet",
          name: "Edumeet",
          description: "Video conferencing for lectures.",
          storageKinds: ["BLOCK"],
          defaultResources: { vcpus: 2, memoryGib: 2, blockStorageGib: 5, blobStorageGib: 0 },
          optionsSchema: {
            type: "object",
            required: ["maxParticipants"],
            additionalProperties: false,
            properties: { maxParticipants: { type: "integer", minimum: 2, maximum: 500 } },
          },
        },
      },
      as("user:uni-admin"),
    );
    expect(created.errors).toBeUndefined();
    expect(created.data!.createServiceType).toMatchObject({ slug: "edumeet", bespoke: true });

    const d = await h.f.deployment(h.operator.id, "lectures");
    const add = (options: object) =>
      gql(
        h.server,
        `mutation($d: ID!, $domain: String!, $options: JSONObject) {
          addService(input: { deploymentId: $d, serviceType: "edumeet", domain: $domain, options: $options }, apply: true) {
            id blockStorageGib serviceType { slug bespoke } deployment { lastRun { id } } } }`,
        { d: d.gid, domain: `meet.${zone}`, options },
        as("user:uni-admin"),
      );
    const refused = await add({ maxParticipants: 5000 });
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "input.options.maxParticipants",
    });
    const added = await add({ maxParticipants: 200 });
    expect(added.errors).toBeUndefined();
    expect(added.data!.addService).toMatchObject({
      blockStorageGib: 5,
      serviceType: { slug: "edumeet", bespoke: true },
    });

    h.worker();
    const runId = added.data!.addService.deployment.lastRun.id as string;
    const run = await pollUntil(
      async () =>
        (await gql(h.server, `query($id: ID!) { run(id: $id) { state config } }`, { id: runId })).data!.run,
      (r) => ["SUCCEEDED", "FAILED", "ERRORED", "CANCELED"].includes(r.state),
      { what: `run ${runId} to end` },
    );
    expect(run.state).toBe("SUCCEEDED");
    const deployed = await gql(
      h.server,
      `query($d: ID!) { deploymentConfig(deploymentId: $d, which: DEPLOYED) }`,
      {
        d: d.gid,
      },
    );
    expect(deployed.data!.deploymentConfig.services).toEqual([
      expect.objectContaining({
        type: "edumeet",
        federated: false,
        enabled: true,
        domain: `meet.${zone}`,
        options: { maxParticipants: 200 },
        storage: expect.objectContaining({ block: { sizeGib: 5 } }),
      }),
    ]);
  });
});
