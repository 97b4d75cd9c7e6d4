import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { Ajv } from "ajv";
import { serviceCatalog } from "../../seeds/catalog.js";
import type { DeploymentConfig } from "../../src/deployments/deployment-config.js";
import { evaluateDeployment, nixMissing } from "../support/nix.js";

// nix/deployment, the Nix library a NixOps4 root expression imports, evaluated with real Nix on documents
// of the shape the service writes (typed as DeploymentConfig, checked against the published JSON Schema).
const missing = nixMissing();
if (missing) console.warn(`skipping the deployment.json Nix library tests: ${missing}`);
const describeWithNix = missing ? describe.skip : describe;

const ajv = new Ajv({ strict: false });
const validDocument = ajv.compile(
  JSON.parse(readFileSync("schema/deployment-config.schema.json", "utf8")) as object,
);
const validOptions = Object.fromEntries(serviceCatalog.map((t) => [t.slug, ajv.compile(t.optionsSchema)]));

type Service = DeploymentConfig["services"][number];
const service = (type: string, over: Partial<Service>): Service => ({
  id: `U2VydmljZTo${type}`,
  type,
  federated: type !== "forgejo",
  enabled: true,
  domain: `${type}.fediclub.example`,
  options: {},
  resources: { vcpus: 2, memoryGib: 4 },
  storage: { block: { sizeGib: 20 }, blob: null },
  backup: null,
  ...over,
});

function document(): DeploymentConfig {
  return {
    schemaVersion: 1,
    deployment: { id: "RGVwbG95bWVudDox", name: "production", generation: 3 },
    provider: { id: "UHJvdmlkZXI6MQ", slug: "demo", name: "Demo Hosting" },
    operator: {
      id: "T3BlcmF0b3I6MQ",
      slug: "fedi-club",
      name: "Fedi Club",
      contactEmail: "admin@fediclub.example",
      dnsZone: "fediclub.example",
      quota: { storageGib: 1000, vcpus: 16, memoryGib: 32 },
      bespokeInfo: {},
    },
    services: [
      service("pixelfed", {
        domain: "pics.fediclub.example",
        options: { openRegistration: true, maxPhotoSizeKb: 4096 },
        resources: { vcpus: 3, memoryGib: 2 },
        storage: { block: { sizeGib: 10 }, blob: { sizeGib: 200 } },
        backup: { schedule: "0 3 * * *", retentionDays: 14 },
      }),
      service("mastodon", {
        enabled: false,
        domain: "fediclub.example",
        options: { registrations: "approval" },
      }),
      service("peertube", { options: { transcoding: true, resolutions: ["480p", "1080p"] } }),
      service("forgejo", { options: { disableRegistration: true } }),
    ],
    resourceProviders: [
      { componentType: "blob-storage", implementation: "garage", settings: { region: "garage-ams" } },
      { componentType: "block-storage", implementation: "zfs", settings: { pool: "tank" } },
      { componentType: "configuration", implementation: "nixos", settings: {} },
      { componentType: "dns", implementation: "desec", settings: {} },
      { componentType: "mail", implementation: "postfix-relay", settings: {} },
      { componentType: "secrets", implementation: "sops-nix", settings: {} },
      { componentType: "virtualisation", implementation: "proxmox", settings: { cluster: "pve-ams-1" } },
    ],
    coreServices: [
      { kind: "dns", name: "deSEC", endpoint: "https://desec.io/api/v1", settings: {} },
      { kind: "mail", name: "Relay", endpoint: "smtp://relay.demo-hosting.example:587", settings: {} },
    ],
  };
}

function evaluated() {
  const doc = document();
  // The fixture is what the service may write: valid against the schema and the catalog's options.
  expect(validDocument(doc) ? [] : validDocument.errors).toEqual([]);
  for (const s of doc.services)
    expect({ type: s.type, valid: validOptions[s.type]!(s.options) }).toEqual({ type: s.type, valid: true });
  const { value, error } = evaluateDeployment(doc);
  if (!value) throw new Error(`evaluation failed:\n${error}`);
  return value;
}

describeWithNix("the Nix library for deployment.json", () => {
  it("gives Pixelfed its domain, its data on the block volume, its bucket and the options asked for", () => {
    const pixelfed = evaluated().configurations.pixelfed;
    expect(pixelfed.fileSystems).toEqual({
      "/var/lib/pixelfed": {
        device: "/dev/disk/by-id/virtio-fedicentral-data",
        fsType: "ext4",
        autoFormat: true,
      },
    });
    expect(pixelfed.networking.hostName).toBe("pixelfed");
    expect(pixelfed.services.pixelfed).toMatchObject({
      enable: true,
      domain: "pics.fediclub.example",
      dataDir: "/var/lib/pixelfed",
      maxUploadSize: "4096K",
      // A reference to the file the secrets provider fills in, never a value.
      secretFile: "/run/secrets/pixelfed/env",
      settings: {
        OPEN_REGISTRATION: true,
        MAX_PHOTO_SIZE: 4096,
        PF_ENABLE_CLOUD: true,
        FILESYSTEM_CLOUD: "s3",
        AWS_BUCKET: "fedi-club-production-pixelfed",
        AWS_DEFAULT_REGION: "garage-ams",
        MAIL_HOST: "relay.demo-hosting.example",
        MAIL_PORT: 587,
        MAIL_FROM_ADDRESS: "noreply@pics.fediclub.example",
      },
    });
  });

  it("keeps a disabled service declared and switched off, its resources kept and its machine stopped", () => {
    const e = evaluated();
    expect(e.configurations.mastodon.services.mastodon).toMatchObject({
      enable: false,
      localDomain: "fediclub.example",
    });
    // The registration mode is set by a unit only an enabled Mastodon gets.
    expect(e.configurations.mastodon.systemd.services).toEqual({});
    expect(Object.keys(e.resources.mastodon).sort()).toEqual([
      "block-storage",
      "configuration",
      "dns",
      "mail",
      "secrets",
      "virtualisation",
    ]);
    expect(e.resources.mastodon.virtualisation.inputs.running).toBe(false);
    expect(e.resources.pixelfed.virtualisation.inputs.running).toBe(true);
    // The zone's apex is the record "@".
    expect(e.resources.mastodon.dns.inputs.records.map((r: { name: string }) => r.name)).toEqual(["@", "@"]);
  });

  it("declares per service the inputs of each component type's resource provider", () => {
    const r = evaluated().resources.pixelfed;
    expect(r.virtualisation).toEqual({
      componentType: "virtualisation",
      implementation: "proxmox",
      inputs: {
        name: "fedi-club-production-pixelfed",
        hostName: "pixelfed",
        vcpus: 3,
        memoryGib: 2,
        running: true,
        disks: [{ serial: "fedicentral-data", volume: "pixelfed.block-storage" }],
      },
    });
    expect(r.dns).toEqual({
      componentType: "dns",
      implementation: "desec",
      inputs: {
        zone: "fediclub.example",
        records: [
          { name: "pics", type: "A", valueFrom: "pixelfed.virtualisation.ipv4" },
          { name: "pics", type: "AAAA", valueFrom: "pixelfed.virtualisation.ipv6" },
        ],
      },
    });
    expect(r.mail.inputs).toEqual({
      domain: "pics.fediclub.example",
      sender: "noreply@pics.fediclub.example",
      relay: "smtp://relay.demo-hosting.example:587",
    });
    expect(r.secrets.inputs).toEqual({
      secrets: [{ name: "pixelfed/env", path: "/run/secrets/pixelfed/env" }],
    });
    expect(r["block-storage"].inputs).toEqual({
      volume: "fedi-club-production-pixelfed",
      sizeGib: 10,
      snapshots: { schedule: "0 3 * * *", retentionDays: 14 },
    });
    expect(r["blob-storage"].inputs).toEqual({
      bucket: "fedi-club-production-pixelfed",
      quotaGib: 200,
      credentials: "pixelfed/s3-env",
    });
    expect(r.configuration.inputs.machine).toBe("pixelfed.virtualisation");
    expect(r.configuration.inputs.nixos.services.pixelfed.domain).toBe("pics.fediclub.example");
  });

  it("maps every catalog service type's options onto its module", () => {
    const e = evaluated();
    expect(Object.keys(e.configurations).sort()).toEqual(serviceCatalog.map((t) => t.slug).sort());
    expect(e.configurations.peertube.services.peertube.settings.transcoding).toEqual({
      enabled: true,
      resolutions: { "240p": false, "480p": true, "720p": false, "1080p": true },
    });
    expect(e.configurations.forgejo.services.forgejo.settings).toMatchObject({
      server: { DOMAIN: "forgejo.fediclub.example", ROOT_URL: "https://forgejo.fediclub.example/" },
      service: { DISABLE_REGISTRATION: true },
    });
    // No bucket, so no S3 credentials to hand over.
    expect(e.resources.forgejo).not.toHaveProperty("blob-storage");
    expect(e.resources.peertube.secrets.inputs.secrets.map((s: { name: string }) => s.name)).toEqual([
      "peertube/secrets",
      "peertube/smtp-password",
    ]);
  });

  // Documents the JSON Schema (or, for what it leaves open, the catalog) rejects: Nix rejects them too,
  // naming the field, and yields nothing.
  const invalid: [string, (d: any) => void, RegExp, "schema" | "catalog"][] = [
    [
      "another schemaVersion",
      (d) => (d.schemaVersion = 2),
      /schemaVersion: this library reads schemaVersion 1, got 2/,
      "schema",
    ],
    ["a missing field", (d) => delete d.services[0].domain, /services\[0\]\.domain: missing/, "schema"],
    [
      "a wrong type",
      (d) => (d.services[1].resources.vcpus = "2"),
      /services\[1\]\.resources\.vcpus: expected an integer, got string "2"/,
      "schema",
    ],
    ["an unknown field", (d) => (d.operator.region = "eu"), /operator\.region: unknown field/, "schema"],
    [
      "a size below the minimum",
      (d) => (d.services[0].storage.block.sizeGib = 0),
      /services\[0\]\.storage\.block\.sizeGib: must be at least 1, got 0/,
      "schema",
    ],
    [
      "neither null nor a backup",
      (d) => (d.services[0].backup = "daily"),
      /services\[0\]\.backup: expected null or object, got string "daily"/,
      "schema",
    ],
    [
      "an unknown component type",
      (d) => (d.resourceProviders[0].componentType = "vm"),
      /resourceProviders\[0\]\.componentType: must be one of "virtualisation", .*, got "vm"/,
      "schema",
    ],
    [
      "an unknown service type",
      (d) => (d.services[2].type = "matrix"),
      /services\[2\]\.type: no NixOS module for service type "matrix"/,
      "catalog",
    ],
    [
      "an option of the wrong type",
      (d) => (d.services[0].options.maxPhotoSizeKb = "big"),
      /services\[0\]\.options\.maxPhotoSizeKb: expected an integer, got string "big"/,
      "catalog",
    ],
  ];
  it.each(invalid)("refuses %s with a message naming the field", (_what, spoil, message, refusedBy) => {
    const doc = document() as any;
    spoil(doc);
    if (refusedBy === "schema") expect(validDocument(doc)).toBe(false);
    else {
      // The JSON Schema leaves service types and their options to the catalog.
      expect(validDocument(doc)).toBe(true);
      const s = doc.services.find((x: Service) => !validOptions[x.type] || !validOptions[x.type]!(x.options));
      expect(s).toBeDefined();
    }
    const { value, error } = evaluateDeployment(doc);
    expect(value).toBeUndefined();
    expect(error).toMatch(/deployment\.json is not a deployment configuration this library can read/);
    expect(error).toMatch(message);
  });

  it("lists every failure at once, and needs a resource provider for each component type a service uses", () => {
    const doc = document() as any;
    delete doc.services[0].domain;
    doc.services[1].options = { registrations: "sometimes" };
    const first = evaluateDeployment(doc).error;
    expect(first).toMatch(/services\[0\]\.domain: missing/);
    // Options are checked once the document passes its schema.
    expect(first).not.toMatch(/registrations/);
    doc.services[0].domain = "pics.elsewhere.example";
    doc.resourceProviders = doc.resourceProviders.filter(
      (p: { componentType: string }) => p.componentType !== "dns",
    );
    const { value, error } = evaluateDeployment(doc);
    expect(value).toBeUndefined();
    expect(error).toMatch(
      /services\[0\]\.domain: pics\.elsewhere\.example is not inside the operator's zone fediclub\.example/,
    );
    expect(error).toMatch(
      /services\[1\]\.options\.registrations: must be one of "approval", "closed", "open", got "sometimes"/,
    );
    expect(error).toMatch(/resourceProviders: none of component type "dns"/);
  });
});
