// The platform's stories end to end (README "Stories"): the built server and a worker as processes on a
// database migrated without demo data, `fedicentral` typed into a shell, Chromium for a person's sign-in.
// The describe blocks run in order and build on each other, as the stories do. Every GraphQL document and
// command line here is quoted by the README (test/unit/readme-stories.test.ts holds them to it).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import * as oidc from "openid-client";
import type { Browser } from "playwright-core";
import { launchChromium } from "../support/browser.js";
import { CAPACITY_FIELDS } from "../../src/capacity/capacity-sql.js";
import { fromGlobalId } from "../../src/common/global-id.js";
import { type FakeNetbox, makeV1Token, startFakeNetbox } from "../fakes/netbox/index.js";
import { generateNetboxData } from "../fakes/netbox/generate.js";
import { nixMissing } from "../support/nix.js";
import { useTempDir } from "../support/temp-dir.js";
import { wsClient } from "../support/ws.js";
import { type Platform, chromiumMissing, ok, out, query, startPlatform } from "./stories/platform.js";

const REDIRECT = "http://localhost:5173/callback";
const PASSWORD = "correct horse battery staple";
const noBrowser = chromiumMissing();
if (noBrowser) console.warn(`stories: the browser steps are skipped: ${noBrowser}`);
const noNix = nixMissing();
if (noNix) console.warn(`stories: the Nix evaluation is not checked: ${noNix}`);

describe("stories", () => {
  const tmp = useTempDir("fedi-stories-");
  let p: Platform;
  // What the stories hand on to each other.
  const s = {
    provider: "",
    adminToken: "",
    panelClientId: "",
    operator: "",
    operatorAdminToken: "",
    deployment: "",
    service: "",
    run: "",
  };

  beforeAll(async () => {
    p = await startPlatform(tmp.path);
  }, 120_000);
  afterAll(async () => {
    await p?.stop();
  });

  describe("1. a provider admin installs without demo data and onboards an operator", () => {
    it("creates the provider and a service account from the command line, and gets a token", async () => {
      const created = JSON.parse(
        out(
          await p.sh(
            `fedicentral provider create --name "Nordic Fedi Hosting" --slug nordic --email ops@nordic.example --json`,
          ),
        ),
      );
      expect(created.slug).toBe("nordic");
      s.provider = created.id;
      const client = JSON.parse(
        out(
          await p.sh(
            `fedicentral client create --name provisioning --provider nordic --role provider-admin --json`,
          ),
        ),
      );
      s.adminToken = out(
        await p.sh(
          `curl -sf "$URL/oidc/token" -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials -d scope=api | jq -r .access_token`,
          { CLIENT_ID: client.client_id, CLIENT_SECRET: client.client_secret },
        ),
      ).trim();
      expect(s.adminToken.split(".")).toHaveLength(3);
      // Nothing else is there: no demo data.
      const all = ok(await p.gql(s.adminToken, `{ operators(first: 5) { totalCount } }`));
      expect(all.operators.totalCount).toBe(0);
    });

    it("finds the reference service catalog installed with the provider, Pixelfed in it", async () => {
      const types = JSON.parse(out(await p.sh(`fedicentral catalog list --provider nordic --json`))) as {
        slug: string;
        bespoke: boolean;
        retiredAt: string | null;
      }[];
      expect(types.map((t) => t.slug)).toEqual(expect.arrayContaining(["mastodon", "pixelfed", "peertube"]));
      expect(types.find((t) => t.slug === "pixelfed")).toMatchObject({ bespoke: false, retiredAt: null });
    });

    it("declares the bespoke info kept per operator, its resource providers and core services", async () => {
      const schema = {
        type: "object",
        additionalProperties: false,
        required: ["supportTier"],
        properties: {
          supportTier: { enum: ["basic", "standard", "premium"] },
          billingReference: { type: "string", maxLength: 64 },
        },
      };
      const set = ok(
        await p.gql(s.adminToken, query("1-set-operator-info-schema"), { provider: s.provider, schema }),
      );
      expect(set.setProviderSchemas.operatorInfoSchema).toEqual(schema);

      for (const input of RESOURCE_PROVIDERS) {
        const res = ok(
          await p.gql(s.adminToken, query("1-set-resource-provider"), { provider: s.provider, input }),
        );
        expect(res.setResourceProvider.resourceProviders).toContainEqual(input);
      }
      const mail = ok(
        await p.gql(s.adminToken, query("1-set-core-service"), { provider: s.provider, input: MAIL_RELAY }),
      );
      expect(mail.setCoreService.coreServices).toEqual([
        { kind: "MAIL", name: MAIL_RELAY.name, endpoint: MAIL_RELAY.endpoint },
      ]);
      // A relay the Nix library could not read is refused, naming the field.
      const bad = await p.gql(s.adminToken, query("1-set-core-service"), {
        provider: s.provider,
        input: { ...MAIL_RELAY, name: "other relay", endpoint: "https://relay.nordic.example" },
      });
      expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.endpoint" });
    });

    it("onboards the operator: email, DNS zone, booked storage and compute, bespoke info per the schema", async () => {
      const input = {
        providerId: s.provider,
        name: "Fedi Club",
        slug: "fedi-club",
        contactEmail: "board@fedi-club.example",
        dnsZone: "fedi-club.example",
        quota: { storageGib: 500, vcpus: 8, memoryGib: 16 },
        bespokeInfo: { supportTier: "premium", billingReference: "NF-0042" },
      };
      const refused = await p.gql(s.adminToken, query("1-create-operator"), {
        input: { ...input, bespokeInfo: { supportTier: "gold" } },
      });
      expect(refused.errors?.[0]?.extensions).toMatchObject({
        code: "BAD_USER_INPUT",
        field: "input.bespokeInfo.supportTier",
      });

      const created = ok(await p.gql(s.adminToken, query("1-create-operator"), { input }));
      expect(created.createOperator).toMatchObject({
        slug: "fedi-club",
        contactEmail: "board@fedi-club.example",
        dnsZone: "fedi-club.example",
        quota: input.quota,
        bespokeInfo: input.bespokeInfo,
      });
      s.operator = created.createOperator.id;
    });

    it("invites the operator's admin (a person with operator-admin) and registers the operators' panel", async () => {
      const person = JSON.parse(
        out(
          await p.sh(
            `echo "$PASSWORD" | fedicentral user create --email ada@fedi-club.example --name "Ada Admin" --role operator-admin --provider nordic --operator fedi-club --json`,
            { PASSWORD },
          ),
        ),
      );
      expect(person).toMatchObject({ email: "ada@fedi-club.example", role: "operator-admin" });
      const panel = JSON.parse(
        out(
          await p.sh(
            `fedicentral client create-public --name "Operator panel" --redirect-uri http://localhost:5173/callback --json`,
          ),
        ),
      );
      s.panelClientId = panel.client_id;
    });
  });

  describe("2. the operator admin signs in in the browser and deploys Pixelfed", () => {
    let browser: Browser | undefined;
    afterAll(async () => {
      await browser?.close();
    });

    (noBrowser ? it.skip : it)("signs in with code + PKCE in Chromium", async () => {
      browser = await launchChromium();
      const config = await oidc.discovery(new URL(`${p.url}/oidc`), s.panelClientId, undefined, oidc.None(), {
        execute: [oidc.allowInsecureRequests],
      });
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT,
        scope: "openid profile email api",
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
        state,
      });
      const context = await browser.newContext();
      const page = await context.newPage();
      // The panel itself is not running: its callback page is answered in the browser.
      await page.route(`${REDIRECT}**`, (route) =>
        route.fulfill({ status: 200, contentType: "text/html", body: "<p>signed in</p>" }),
      );
      await page.goto(url.href);
      await page.fill("#email", "ada@fedi-club.example");
      await page.fill("#password", PASSWORD);
      await page.click("button[type=submit]:has-text('Sign in')");
      await page.waitForSelector("text=Allow Operator panel?", { timeout: 10_000 });
      await page.click("button:has-text('Allow')");
      await page.waitForURL(`${REDIRECT}**`);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), {
        pkceCodeVerifier: verifier,
        expectedState: state,
      });
      await context.close();
      s.operatorAdminToken = tokens.access_token;

      const me = ok(await p.gql(s.operatorAdminToken, query("2-me")));
      expect(me.me).toEqual({
        name: "Ada Admin",
        email: "ada@fedi-club.example",
        memberships: [{ role: "operator-admin", operator: { id: s.operator, slug: "fedi-club" } }],
      });
    });

    it("adds Pixelfed with options inside the quota; an option outside the schema or a size beyond the quota is refused, naming the field", async () => {
      const created = ok(
        await p.gql(s.operatorAdminToken, query("2-create-deployment"), { operator: s.operator }),
      );
      s.deployment = created.createDeployment.id;
      const input = {
        deploymentId: s.deployment,
        serviceType: "pixelfed",
        domain: "pics.fedi-club.example",
        options: { openRegistration: false, maxPhotoSizeKb: 20480 },
        vcpus: 2,
        memoryGib: 4,
        blockStorageGib: 20,
        blobStorageGib: 300,
      };
      const unknownOption = await p.gql(s.operatorAdminToken, query("2-add-service"), {
        input: { ...input, options: { ...input.options, maxVideoLength: 60 } },
      });
      expect(unknownOption.errors?.[0]?.extensions).toMatchObject({
        code: "BAD_USER_INPUT",
        field: "input.options.maxVideoLength",
      });
      const tooBig = await p.gql(s.operatorAdminToken, query("2-add-service"), {
        input: { ...input, blobStorageGib: 5000 },
      });
      expect(tooBig.errors?.[0]?.extensions).toMatchObject({
        code: "QUOTA_EXCEEDED",
        field: "input.blobStorageGib",
        booked: { storageGib: 500 },
      });

      const added = ok(await p.gql(s.operatorAdminToken, query("2-add-service"), { input }));
      expect(added.addService).toMatchObject({
        domain: "pics.fedi-club.example",
        options: input.options,
        vcpus: 2,
        memoryGib: 4,
        blockStorageGib: 20,
        blobStorageGib: 300,
      });
      s.service = added.addService.id;

      const policy = ok(
        await p.gql(s.operatorAdminToken, query("2-set-backup-policy"), { service: s.service }),
      );
      expect(policy.setBackupPolicy.backupPolicy).toEqual({
        source: "SERVICE",
        schedule: "0 3 * * *",
        keep: { last: 3, daily: 14 },
      });
    });

    it("applies, follows the run's log live, and finds the deployed configuration", async () => {
      const applied = ok(
        await p.gql(s.operatorAdminToken, query("2-apply"), { deployment: s.deployment, key: "first-apply" }),
      );
      expect(applied.applyDeployment.state).toBe("QUEUED");
      s.run = applied.applyDeployment.id;

      const live = await follow(p, s.operatorAdminToken, s.run);
      expect(live.states[0]).toMatch(/^(QUEUED|RUNNING)$/);
      expect(live.states.at(-1)).toBe("SUCCEEDED");
      expect(live.log).toContain("creating resource pixelfed.");

      const deployed = ok(
        await p.gql(s.operatorAdminToken, query("2-deployed-config"), { deployment: s.deployment }),
      );
      const config = deployed.deploymentConfig;
      expect(config.deployment).toMatchObject({
        id: s.deployment,
        generation: applied.applyDeployment.generation,
      });
      expect(config.services).toEqual([
        expect.objectContaining({
          type: "pixelfed",
          domain: "pics.fedi-club.example",
          options: { openRegistration: false, maxPhotoSizeKb: 20480 },
          resources: { vcpus: 2, memoryGib: 4 },
          storage: { block: { sizeGib: 20 }, blob: { sizeGib: 300 } },
        }),
      ]);
    });
  });

  describe("3. nixops4 yields what the operator asked for; the resource provider reports; drift", () => {
    let evaluated: any;
    let reader: { client_id: string; client_secret: string };

    (noNix ? it.skip : it)(
      "the run's nixops4 evaluated the Nix library: the Pixelfed NixOS fragment and resource inputs",
      async () => {
        const dir = path.join(p.deploymentsDir, "runs", fromGlobalId(s.run)!.id);
        evaluated = JSON.parse(await readFile(path.join(dir, "evaluated.json"), "utf8"));
        expect(evaluated.configurations.pixelfed.services.pixelfed).toMatchObject({
          enable: true,
          domain: "pics.fedi-club.example",
          settings: expect.objectContaining({
            OPEN_REGISTRATION: false,
            MAX_PHOTO_SIZE: 20480,
            AWS_BUCKET: "fedi-club-production-pixelfed",
          }),
        });
        const r = evaluated.resources.pixelfed;
        expect(r.virtualisation).toMatchObject({
          implementation: "proxmox",
          inputs: expect.objectContaining({ vcpus: 2, memoryGib: 4, running: true }),
        });
        expect(r["block-storage"].inputs).toMatchObject({ sizeGib: 20 });
        expect(r["blob-storage"].inputs).toMatchObject({ quotaGib: 300 });
      },
    );

    it("the resource provider reads the deployed configuration and reports the state; drift shows none", async () => {
      reader = JSON.parse(
        out(
          await p.sh(
            `fedicentral client create --name nixops4 --provider nordic --role config-reader --json`,
          ),
        ),
      );
      const vars = {
        CLIENT_ID: reader.client_id,
        CLIENT_SECRET: reader.client_secret,
        DEPLOYMENT: s.deployment,
      };
      const read = JSON.parse(
        out(
          await p.sh(
            `jq -nc --arg url "$URL" --arg client "$CLIENT_ID" --arg d "$DEPLOYMENT" '{createResourceRequest: {type: "fedicentral_deployment_config", isStateful: false, inputProperties: {url: $url, credentials: {clientId: $client, clientSecretEnv: "CLIENT_SECRET"}, deploymentId: $d, which: "DEPLOYED"}}}' | fedicentral resource-provider`,
            vars,
          ),
        ),
      ).createResourceResponse.outputProperties;
      const [pixelfed] = read.config.services;
      expect(pixelfed).toMatchObject({
        type: "pixelfed",
        options: { openRegistration: false, maxPhotoSizeKb: 20480 },
      });

      // What the machines' providers found, one resource per component type the evaluation declared.
      const kinds = evaluated
        ? Object.keys(evaluated.resources.pixelfed)
        : ["virtualisation", "configuration", "dns", "block-storage", "blob-storage"];
      const resources = kinds.map((kind) => ({
        kind,
        name: `pixelfed.${kind}`,
        status: "HEALTHY",
        serviceId: pixelfed.id,
        generation: read.generation,
      }));
      const reported = JSON.parse(
        out(
          await p.sh(
            `jq -nc --arg url "$URL" --arg client "$CLIENT_ID" --arg d "$DEPLOYMENT" --argjson resources "$RESOURCES" '{createResourceRequest: {type: "fedicentral_resource_state", isStateful: false, inputProperties: {url: $url, credentials: {clientId: $client, clientSecretEnv: "CLIENT_SECRET"}, deploymentId: $d, resources: $resources, complete: true}}}' | fedicentral resource-provider`,
            { ...vars, RESOURCES: JSON.stringify(resources) },
          ),
        ),
      ).createResourceResponse.outputProperties;
      expect(reported.driftStatus).toBe("IN_SYNC");

      const drift = ok(await p.gql(s.operatorAdminToken, query("3-drift"), { deployment: s.deployment }));
      expect(drift.node.drift).toMatchObject({ status: "IN_SYNC", pendingChanges: false, items: [] });
      expect(drift.node.observedResources.map((o: { name: string }) => o.name).sort()).toEqual(
        resources.map((r) => r.name).sort(),
      );
    });

    it("after the operator edits Pixelfed again, drift shows the pending change until the next apply", async () => {
      const edited = ok(
        await p.gql(s.operatorAdminToken, query("3-configure-service"), {
          service: s.service,
          options: { openRegistration: true, maxPhotoSizeKb: 20480 },
        }),
      );
      expect(edited.configureService.options.openRegistration).toBe(true);
      const pending = ok(await p.gql(s.operatorAdminToken, query("3-drift"), { deployment: s.deployment }));
      expect(pending.node.drift).toMatchObject({ status: "IN_SYNC", pendingChanges: true });
      expect(pending.node.drift.stagedGeneration).toBeGreaterThan(pending.node.drift.deployedGeneration);

      const applied = ok(
        await p.gql(s.operatorAdminToken, query("2-apply"), {
          deployment: s.deployment,
          key: "second-apply",
        }),
      );
      const live = await follow(p, s.operatorAdminToken, applied.applyDeployment.id);
      expect(live.states.at(-1)).toBe("SUCCEEDED");
      const after = ok(await p.gql(s.operatorAdminToken, query("3-drift"), { deployment: s.deployment }));
      expect(after.node.drift.pendingChanges).toBe(false);
    });
  });

  describe("4. an auditor pulls the month's usage report and the operator's chain, and verifies it offline", () => {
    let auditorToken = "";

    it("reads the month's usage report", async () => {
      const auditor = JSON.parse(
        out(
          await p.sh(
            `fedicentral client create --name audit --provider nordic --operator fedi-club --role auditor --json`,
          ),
        ),
      );
      auditorToken = out(
        await p.sh(
          `curl -sf "$URL/oidc/token" -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials -d scope=api | jq -r .access_token`,
          { CLIENT_ID: auditor.client_id, CLIENT_SECRET: auditor.client_secret },
        ),
      ).trim();
      const now = new Date();
      const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
      const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString();
      const { usageReport } = ok(
        await p.gql(auditorToken, query("4-usage-report"), { operator: s.operator, from, to }),
      );
      expect(usageReport).toMatchObject({ operator: { slug: "fedi-club" }, runsSucceeded: 2, runsFailed: 0 });
      // Booked since the operator was created minutes ago: above nothing, below an hour's worth.
      expect(usageReport.bookedVcpuHours).toBeGreaterThan(0);
      expect(usageReport.bookedVcpuHours).toBeLessThan(8);
      expect(usageReport.services).toEqual([
        expect.objectContaining({ serviceType: "pixelfed", serviceDays: expect.any(Number) }),
      ]);
      expect(usageReport.services[0].blobStorageGibHours).toBeGreaterThan(0);
    });

    it("exports the operator's chain after a checkpoint and verifies it without the database; an edit fails", async () => {
      expect(out(await p.sh(`fedicentral accounting checkpoint`))).toMatch(/^signed \d+ chain heads/);
      const vars = { TOKEN: auditorToken, OPERATOR: s.operator };
      out(
        await p.sh(
          `curl -sf -H "authorization: Bearer $TOKEN" "$URL/accounting/export?operator=$OPERATOR" -o fedi-club.jsonl`,
          vars,
        ),
      );
      out(await p.sh(`curl -sf "$URL/accounting/keys" -o keys.json`));
      const chain = fromGlobalId(s.operator)!.id;
      const verified = await p.sh(
        `env -i PATH="$PATH" fedicentral accounting verify fedi-club.jsonl --public-key keys.json`,
      );
      expect(verified.code).toBe(0);
      expect(verified.stdout).toMatch(
        new RegExp(`chain ${chain}: ok, events 1\\.\\.\\d+, 1 checkpoints verified`),
      );

      const tampered = await p.sh(
        `jq -c 'if .type == "event" and .seq == 2 then .action = "delete" else . end' fedi-club.jsonl > tampered.jsonl && env -i PATH="$PATH" fedicentral accounting verify tampered.jsonl --public-key keys.json`,
      );
      expect(tampered.code).toBe(1);
      expect(tampered.stdout).toContain(`chain ${chain}: FAILED at sequence number 2: event 2 was altered`);
    });
  });

  describe("5. a provider syncs NetBox and sees per cluster what operators booked against what it has", () => {
    let nb: FakeNetbox | undefined;
    afterAll(async () => {
      await nb?.stop();
    });

    it("connects NetBox, syncs it from the command line, and reads the capacity: over-commitment flagged", async () => {
      const token = makeV1Token();
      nb = await startFakeNetbox({
        tokens: [token],
        data: generateNetboxData({
          clusters: 2,
          devices: 4,
          customFields: { devices: Object.values(CAPACITY_FIELDS) },
        }),
      });
      // The cluster the virtualisation resource provider names: two hosts, one of them offline.
      nb.update("clusters", 1, { name: "pve-osl-1" });
      nb.update("devices", 1, { cluster_id: 1, status: "active", custom_fields: host(6, 64, 500, 2000) });
      nb.update("devices", 2, { cluster_id: 1, status: "offline", custom_fields: host(64, 256, 9000, 9000) });
      nb.update("devices", 3, { cluster_id: 2, status: "active", custom_fields: host(64, 256, 9000, 9000) });

      const connected = ok(
        await p.gql(s.adminToken, query("5-connect-netbox"), { provider: s.provider, url: nb.url, token }),
      );
      expect(connected.setNetboxConnection.tokenHint).toBe(token.slice(-4));
      const synced = await p.sh(`fedicentral netbox sync --provider nordic --mode full`);
      expect(synced.stdout).toMatch(/^full sync succeeded: \d+ created/m);
      expect(synced.code).toBe(0);

      const { capacity } = ok(await p.gql(s.adminToken, query("5-capacity"), { provider: s.provider }));
      expect(capacity.clusters).toEqual([
        { name: "pve-osl-1", hosts: 1, vcpus: 6, memoryGib: 64, blockGib: 500, blobGib: 2000 },
      ]);
      expect(capacity.missingClusters).toEqual([]);
      // Fedi Club booked 8 vCPUs and 16 GiB; its Pixelfed claims 20 GiB block and 300 GiB blob storage.
      expect(capacity.resources).toEqual([
        { resource: "VCPUS", booked: 8, available: 6, ratio: 8 / 6, overCommitted: true },
        { resource: "MEMORY", booked: 16, available: 64, ratio: 0.25, overCommitted: false },
        { resource: "BLOCK", booked: 20, available: 500, ratio: 0.04, overCommitted: false },
        { resource: "BLOB", booked: 300, available: 2000, ratio: 0.15, overCommitted: false },
      ]);
      expect(capacity.overCommitted).toBe(true);
    });
  });
});

/** What Nordic Fedi Hosting plugs into NixOps4 (README "Stories", story 1). */
const RESOURCE_PROVIDERS = [
  { componentType: "VIRTUALISATION", implementation: "proxmox", settings: { cluster: "pve-osl-1" } },
  { componentType: "CONFIGURATION", implementation: "nixos", settings: { channel: "nixos-25.11" } },
  { componentType: "DNS", implementation: "desec", settings: { apiUrl: "https://desec.io/api/v1" } },
  { componentType: "MAIL", implementation: "postfix-relay", settings: {} },
  { componentType: "SECRETS", implementation: "sops-nix", settings: {} },
  { componentType: "BLOCK_STORAGE", implementation: "zfs", settings: { pool: "tank" } },
  { componentType: "BLOB_STORAGE", implementation: "garage", settings: { region: "garage-osl" } },
];

/** A NetBox host's capacity, as the device's custom fields hold it. */
const host = (vcpus: number, memory: number, block: number, blob: number) => ({
  [CAPACITY_FIELDS.vcpus]: vcpus,
  [CAPACITY_FIELDS.memoryGib]: memory,
  [CAPACITY_FIELDS.blockGib]: block,
  [CAPACITY_FIELDS.blobGib]: blob,
});

const MAIL_RELAY = { kind: "MAIL", name: "Nordic relay", endpoint: "smtp://relay.nordic.example:587" };

/** A run's events over WebSocket, as a panel follows them: its states and its log text, to the end. */
async function follow(p: Platform, token: string, run: string) {
  const client = wsClient({ url: p.url, token });
  const states: string[] = [];
  let log = "";
  try {
    await new Promise<void>((resolve, reject) => {
      client.subscribe<{ runEvents: { __typename: string; state?: string; text?: string } }>(
        { query: query("2-follow-run"), variables: { run } },
        {
          next: ({ data, errors }) => {
            if (errors) reject(new Error(JSON.stringify(errors)));
            const e = data?.runEvents;
            if (e?.__typename === "RunStateChange") states.push(e.state!);
            if (e?.__typename === "RunLogChunk") log += e.text;
          },
          error: reject,
          complete: resolve,
        },
      );
    });
  } finally {
    await client.dispose();
  }
  return { states, log };
}
