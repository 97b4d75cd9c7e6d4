import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { seedDemo } from "../../seeds/demo.js";
import { fromGlobalId } from "../../src/common/global-id.js";
import { createLogger } from "../../src/logger.js";
import { type RunWorker, startRunWorker } from "../../src/runs/run-worker.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { NIXPKGS_LIB, nixMissing } from "../support/nix.js";
import { pollUntil } from "../support/poll.js";
import { FAKE_NIXOPS4 } from "../support/runs.js";
import { type TestServer, gql, startTestServer } from "../support/server.js";
import { useTempDir } from "../support/temp-dir.js";

// A run through the worker, with the fake nixops4 evaluating the project's Nix library (NIXPKGS_LIB in its
// environment) on the deployment.json the gateway wrote from the demo data.
const missing = nixMissing();
if (missing) console.warn(`skipping the evaluating nixops4 runs: ${missing}`);
const describeWithNix = missing ? describe.skip : describe;

const RUN = `query($id: ID!) { run(id: $id) { id state reason progress { planned created } } }`;

describeWithNix("runs evaluating nix/deployment", () => {
  let db: TestDatabase;
  let server: TestServer;
  let worker: RunWorker | undefined;
  const tmp = useTempDir("fedi-nix-runs-");
  let keys = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedDemo(db.ds);
    server = await startTestServer(db.ds);
  });
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  async function deploymentId(operator: string, name: string): Promise<string> {
    const res = await gql(server, `{ deployments(first: 10) { nodes { id name operator { slug } } } }`);
    return res.data!.deployments.nodes.find(
      (n: { name: string; operator: { slug: string } }) => n.name === name && n.operator.slug === operator,
    ).id;
  }

  async function runToEnd(deployment: string) {
    const applied = await gql(
      server,
      `mutation($d: ID!, $k: String!) { applyDeployment(deploymentId: $d, idempotencyKey: $k) { id } }`,
      { d: deployment, k: `nix-${++keys}` },
    );
    expect(applied.errors).toBeUndefined();
    const id = applied.data!.applyDeployment.id as string;
    worker = startRunWorker(db.ds, createLogger("silent"), {
      nixops4Bin: FAKE_NIXOPS4,
      deploymentsDir: tmp.path,
      pollMs: 50,
      env: { NIXPKGS_LIB },
    });
    const run = await pollUntil(
      async () => (await gql(server, RUN, { id })).data!.run,
      (r) => !["QUEUED", "RUNNING"].includes(r.state),
      { what: "the run to end" },
    );
    return { run, dir: path.join(tmp.path, "runs", fromGlobalId(id)!.id) };
  }

  it("applies the resources the evaluation declares and leaves the evaluated fragments and inputs", async () => {
    const { run, dir } = await runToEnd(await deploymentId("fedi-club", "production"));
    expect(run).toMatchObject({ state: "SUCCEEDED", reason: null });
    const evaluated = JSON.parse(await readFile(path.join(dir, "evaluated.json"), "utf8"));
    expect(evaluated.configurations.pixelfed.services.pixelfed).toMatchObject({
      enable: true,
      domain: "pics.fediclub.example",
      secretFile: "/run/secrets/pixelfed/env",
    });
    expect(evaluated.configurations.mastodon.services.mastodon.localDomain).toBe("social.fediclub.example");
    expect(evaluated.resources.pixelfed["blob-storage"]).toEqual({
      componentType: "blob-storage",
      implementation: "garage",
      // The demo declares no bucket as a backup volume: nothing to replicate.
      inputs: {
        bucket: "fedi-club-production-pixelfed",
        quotaGib: 200,
        credentials: "pixelfed/s3-env",
        backup: null,
      },
    });
    // The provider's default policy for the type, and its ZFS dataset pulled by the provider's target.
    expect(evaluated.resources.pixelfed["block-storage"].inputs.backup).toEqual({
      schedule: "0 3 * * *",
      keep: { last: 3, hourly: 0, daily: 14, weekly: 4, monthly: 6, yearly: 0 },
      volumes: [
        {
          name: "tank/fedi-club/production/pixelfed",
          host: null,
          targets: [
            {
              name: "vault",
              endpoint: "vault.demo-hosting.example",
              location: "backup/demo",
              host: null,
              credentials: "backup/vault-ssh-key",
            },
          ],
        },
      ],
    });
    const paths = Object.entries(evaluated.resources as Record<string, object>).flatMap(([m, r]) =>
      Object.keys(r).map((k) => `${m}.${k}`),
    );
    expect(paths).toContain("pixelfed.virtualisation");
    expect(run.progress.planned).toEqual(paths);
    expect(run.progress.created).toEqual(paths);
  });

  it("fails the run with Nix's message when the document names a service type it has no module for", async () => {
    const deployment = await deploymentId("fedi-club", "staging");
    const [type] = (await db.ds.query(
      `INSERT INTO service_type (provider_id, slug, name, description, federated, storage_kinds, default_vcpus,
                                 default_memory_gib, default_block_storage_gib, default_blob_storage_gib, options_schema)
       SELECT o.provider_id, 'matrix', 'Matrix', 'Chat.', true, '{block}', 1, 1, 10, 0, '{}'
         FROM deployment d JOIN operator o ON o.id = d.operator_id WHERE d.id = $1
       RETURNING id`,
      [fromGlobalId(deployment)!.id],
    )) as { id: string }[];
    await db.ds.query(
      `INSERT INTO service (deployment_id, service_type_id, domain, vcpus, memory_gib, block_storage_gib, blob_storage_gib)
       VALUES ($1, $2, 'chat.fediclub.example', 1, 1, 10, 0)`,
      [fromGlobalId(deployment)!.id, type!.id],
    );
    const { run } = await runToEnd(deployment);
    expect(run.state).toBe("FAILED");
    expect(run.reason).toMatch(
      /^evaluation failed: deployment\.json is not a deployment configuration this library can read: services\[0\]\.type: no NixOS module for service type "matrix"/,
    );
    expect(run.progress.created).toEqual([]);
  });
});
