// `fedicentral resource-provider` driven as nixops4 drives a provider (nixops4 contract §7): the built CLI
// spawned once per resource, one request line on its stdin, one response line read from its stdout, then
// stdin closed and the exit awaited; against a real server, as a real config-reader service account.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { clientCredentialsToken, serviceAccount, type ServiceAccount } from "../support/oidc.js";
import { CLI } from "../support/processes.js";
import { gql, startTestServer, type TestServer } from "../support/server.js";
import { useTempDir } from "../support/temp-dir.js";

type Exchange = { response: Record<string, any>; stderr: string; code: number | null; stdout: string };

/** What nixops4 does with a provider for one resource (its ResourceProviderClient): spawn, ask, close, wait. */
async function nixops4Asks(request: object, env: Record<string, string> = {}): Promise<Exchange> {
  const child = spawn(process.execPath, [CLI, "resource-provider"], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout });
  const first = new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    lines.once("close", () => reject(new Error(`no response; stderr: ${stderr}`)));
  });
  child.stdin.write(`${JSON.stringify(request)}\n`);
  const line = await first;
  child.stdin.end();
  const code = await exited;
  return { response: JSON.parse(line), stderr, code, stdout };
}

const create = (type: string, inputProperties: object, isStateful = false) => ({
  createResourceRequest: { type, inputProperties, isStateful },
});

const OBSERVED = `query($d: ID!) { node(id: $d) { ... on Deployment {
  observedResources { kind name status outputs generation serviceId }
  drift { status items { kind } } } } }`;

describe("fedicentral resource-provider", () => {
  const dir = useTempDir("fc-rp-");
  let db: TestDatabase;
  let server: TestServer;
  let sa: ServiceAccount;
  let secretFile: string;
  let deployment: { gid: string };
  let other: { gid: string };
  let service: { gid: string };
  const BESPOKE_SECRET = "bespoke-api-token-7f3a9c";

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    db = await createTestDatabase();
    const f = factories(db.ds);
    const types = await f.catalog();
    const provider = await f.provider();
    const op = await f.operator(provider.id);
    // A secret-looking key in the configuration document, as a provider's bespoke info may hold one.
    await db.ds.query(`UPDATE operator SET bespoke_info = $2 WHERE id = $1`, [
      op.id,
      { supportTier: "gold", apiToken: BESPOKE_SECRET },
    ]);
    const d = await f.deployment(op.id, "production");
    service = await f.service(d.id, types.mastodon!, `social.${op.zone}`);
    deployment = d;
    const otherProvider = await f.provider();
    other = await f.deployment((await f.operator(otherProvider.id)).id);
    server = await startTestServer(db.ds);
    sa = await serviceAccount(server, { role: "config-reader", providerId: provider.gid, name: "nixops4" });
    secretFile = path.join(dir.path, "client-secret");
    await writeFile(secretFile, `${sa.clientSecret}\n`, { mode: 0o600 });
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  const connection = () => ({
    url: server.publicUrl,
    credentials: { clientId: sa.clientId, clientSecretFile: secretFile },
    deploymentId: deployment.gid,
  });

  it("reads the staged configuration on create, without the secrets in it", async () => {
    const { response, code, stdout, stderr } = await nixops4Asks(
      create("fedicentral_deployment_config", connection()),
    );
    expect(response.errorResponse).toBeUndefined();
    const out = response.createResourceResponse.outputProperties;
    expect(out.config).toMatchObject({
      schemaVersion: 2,
      deployment: { id: deployment.gid, name: "production", generation: out.generation },
      operator: { bespokeInfo: { supportTier: "gold", apiToken: "[redacted]" } },
      services: [expect.objectContaining({ id: service.gid, type: "mastodon" })],
    });
    expect(out.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(out.redacted).toEqual(["$.operator.bespokeInfo.apiToken"]);
    expect(stdout + stderr).not.toContain(BESPOKE_SECRET);
    expect(stdout + stderr).not.toContain(sa.clientSecret);
    expect(stdout.trim().split("\n")).toHaveLength(1);
    expect(code).toBe(0);
  });

  it("answers an update with the configuration as it is now", async () => {
    const inputs = connection();
    const first = await nixops4Asks(create("fedicentral_deployment_config", inputs, true));
    const before = first.response.createResourceResponse.outputProperties;
    const changed = await gql(
      server,
      `mutation($id: ID!) { configureService(id: $id, input: { vcpus: 3 }) { id } }`,
      { id: service.gid },
    );
    expect(changed.errors).toBeUndefined();
    const { response, code } = await nixops4Asks({
      updateResourceRequest: {
        resource: {
          type: "fedicentral_deployment_config",
          inputProperties: inputs,
          outputProperties: before,
        },
        inputProperties: inputs,
      },
    });
    const after = response.updateResourceResponse.outputProperties;
    expect(after.generation).toBe(before.generation + 1);
    expect(after.config.services[0].resources.vcpus).toBe(3);
    expect(after.sha256).not.toBe(before.sha256);
    expect(code).toBe(0);
  });

  it("gives null outputs for the deployed configuration before any run succeeded", async () => {
    const { response } = await nixops4Asks(
      create("fedicentral_deployment_config", { ...connection(), which: "DEPLOYED" }),
    );
    expect(response).toEqual({
      createResourceResponse: {
        outputProperties: { config: null, sha256: null, generation: null, redacted: [] },
      },
    });
  });

  it("reports observed state, which the GraphQL reads then show; secrets are not recorded or echoed", async () => {
    const token = await clientCredentialsToken(server, sa);
    const { response, code, stdout } = await nixops4Asks(
      create("fedicentral_resource_state", {
        url: server.publicUrl,
        credentials: { accessTokenEnv: "FEDICENTRAL_TOKEN" },
        deploymentId: deployment.gid,
        resources: [
          {
            kind: "virtualisation",
            name: "mastodon.vm",
            status: "HEALTHY",
            serviceId: service.gid,
            generation: null,
            outputs: { ip: "192.0.2.10", rootPassword: "hunter2-hunter2" },
            observedAt: null,
          },
        ],
      }),
      { FEDICENTRAL_TOKEN: token },
    );
    expect(response.errorResponse).toBeUndefined();
    expect(response.createResourceResponse.outputProperties).toEqual({
      resources: [
        expect.objectContaining({
          kind: "virtualisation",
          name: "mastodon.vm",
          status: "HEALTHY",
          serviceId: service.gid,
          outputs: { ip: "192.0.2.10", rootPassword: "[redacted]" },
          orphaned: false,
        }),
      ],
      // Nothing deployed yet, so nothing the report could differ from.
      driftStatus: "IN_SYNC",
    });
    expect(stdout).not.toContain("hunter2-hunter2");
    expect(stdout).not.toContain(token);
    expect(code).toBe(0);
    const read = await gql(server, OBSERVED, { d: deployment.gid });
    expect(read.data!.node.observedResources).toEqual([
      {
        kind: "virtualisation",
        name: "mastodon.vm",
        status: "HEALTHY",
        outputs: { ip: "192.0.2.10", rootPassword: "[redacted]" },
        generation: null,
        serviceId: service.gid,
      },
    ]);
    expect(read.data!.node.drift.status).toBe("IN_SYNC");
  });

  it("refuses an unknown input field with an error response, and reports nothing", async () => {
    const { response, code } = await nixops4Asks(
      create("fedicentral_resource_state", {
        ...connection(),
        resources: [{ kind: "dns", name: "mastodon.dns", status: "HEALTHY", ttl: 300 }],
      }),
    );
    expect(response).toEqual({
      errorResponse: {
        message: 'fedicentral_resource_state: inputProperties.resources[0]: unknown field "ttl"',
      },
    });
    expect(code).toBe(1);
    const read = await gql(server, OBSERVED, { d: deployment.gid });
    expect(read.data!.node.observedResources.map((r: { name: string }) => r.name)).not.toContain(
      "mastodon.dns",
    );
  });

  it("answers a wrong client secret with an error response that does not hold it", async () => {
    const wrong = `${sa.clientSecret.slice(0, -4)}XXXX`;
    const { response, code, stdout, stderr } = await nixops4Asks(
      create("fedicentral_deployment_config", {
        ...connection(),
        credentials: { clientId: sa.clientId, clientSecretEnv: "SECRET" },
      }),
      { SECRET: wrong },
    );
    expect(response.errorResponse.message).toMatch(/refused service account .*invalid_client/);
    expect(stdout + stderr).not.toContain(wrong);
    expect(code).toBe(1);
  });

  it("answers a wrong access token with an error response that does not hold it", async () => {
    const forged = `${await clientCredentialsToken(server, sa)}x`;
    const { response, code, stdout, stderr } = await nixops4Asks(
      create("fedicentral_deployment_config", { ...connection(), credentials: { accessTokenEnv: "T" } }),
      { T: forged },
    );
    expect(response.errorResponse.message).toMatch(
      /^deploymentConfig: fedicentral refused the credentials: UNAUTHENTICATED/,
    );
    expect(stdout + stderr).not.toContain(forged);
    expect(stdout + stderr).not.toContain(forged.split(".")[2]!);
    expect(code).toBe(1);
  });

  it("finds no deployment of another provider's operator", async () => {
    const { response } = await nixops4Asks(
      create("fedicentral_deployment_config", { ...connection(), deploymentId: other.gid }),
    );
    expect(response.errorResponse.message).toBe("deploymentConfig: NOT_FOUND: Deployment not found");
  });

  it("answers an unknown resource type and the state storage requests with an error response", async () => {
    const { response, code } = await nixops4Asks({
      createResourceRequest: { type: "nope", inputProperties: {}, isStateful: false },
    });
    expect(response.errorResponse.message).toMatch(/^unknown resource type "nope"/);
    expect(code).toBe(1);
    const state = await nixops4Asks({
      stateResourceReadRequest: { resource: { type: "x", inputProperties: {} } },
    });
    expect(state.response.errorResponse.message).toMatch(/state storage/);
  });
});
