import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { Ajv } from "ajv";
import { REFERENCE_CATALOG as serviceCatalog } from "../../src/catalog/reference-catalog.js";
import type { BackupSection } from "../../src/backups/backup-config-section.js";
import type { DeploymentConfig } from "../../src/deployments/deployment-config.js";
import type { RestoreTarget } from "../../src/runs/run-enqueue.js";
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

type Service = DeploymentConfig["services"][number] & { backup: BackupSection };
const service = (type: string, over: Partial<Service>): Service => ({
  id: `U2VydmljZTo${type}`,
  type,
  federated: type !== "forgejo",
  enabled: true,
  domain: `${type}.fediclub.example`,
  options: {},
  resources: { vcpus: 2, memoryGib: 4 },
  storage: { block: { sizeGib: 20 }, blob: null },
  backup: { policy: null, volumes: [] },
  ...over,
});

const NO_KEEP = { last: 0, hourly: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0 };
const ZFS_TARGET = {
  name: "vault",
  kind: "zfs-pull" as const,
  endpoint: "vault.demo-hosting.example",
  location: "backup/demo",
  secretRef: "backup/vault-ssh-key",
  host: "vault-1",
};
const S3_TARGET = {
  name: "offsite",
  kind: "s3-replica" as const,
  endpoint: "https://s3.offsite.example",
  location: "demo-replicas",
  secretRef: "backup/offsite-s3",
  host: null,
};

function document(): DeploymentConfig {
  return {
    schemaVersion: 2,
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
        backup: {
          policy: { schedule: "0 3 * * *", keep: { ...NO_KEEP, last: 3, daily: 14, monthly: 6 } },
          volumes: [
            { kind: "blob", name: "fedi-club-production-pixelfed", host: null, targets: [{ ...S3_TARGET }] },
            {
              kind: "block",
              name: "tank/fedi-club/pixelfed",
              host: "pve-ams-1-n2",
              targets: [{ ...ZFS_TARGET }],
            },
          ],
        },
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

/** What a restore run adds to the document: pixelfed's ZFS dataset back to one snapshot. */
const RESTORE: RestoreTarget = {
  restoreId: "QmFja3VwUmVzdG9yZTox",
  service: "U2VydmljZTopixelfed",
  volume: { id: "QmFja3VwVm9sdW1lOjE", kind: "block", name: "tank/fedi-club/pixelfed", host: "pve-ams-1-n2" },
  snapshot: { guid: "9812734650912", name: "autosnap_2026-03-01_03:00", takenAt: "2026-03-01T03:00:00.000Z" },
};
const restoreDocument = () => ({ ...document(), restore: structuredClone(RESTORE) });

describe("the JSON Schema of deployment.json on a restore run", () => {
  it("accepts the restore target and refuses a malformed one", () => {
    expect(validDocument(restoreDocument()) ? [] : validDocument.errors).toEqual([]);
    const spoilt: ((r: any) => void)[] = [
      (r) => delete r.snapshot.guid,
      (r) => (r.volume.kind = "tape"),
      (r) => (r.snapshot.size = 1),
      (r) => (r.volume.host = 3),
    ];
    for (const spoil of spoilt) {
      const doc = restoreDocument() as any;
      spoil(doc.restore);
      expect(validDocument(doc)).toBe(false);
    }
    expect(validDocument({ ...document(), restore: "yesterday" })).toBe(false);
  });
});

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
      // The dataset's snapshots and their pulls: the policy, and the targets' secrets by name only.
      backup: {
        schedule: "0 3 * * *",
        keep: { ...NO_KEEP, last: 3, daily: 14, monthly: 6 },
        volumes: [
          {
            name: "tank/fedi-club/pixelfed",
            host: "pve-ams-1-n2",
            targets: [
              {
                name: "vault",
                endpoint: "vault.demo-hosting.example",
                location: "backup/demo",
                host: "vault-1",
                credentials: "backup/vault-ssh-key",
              },
            ],
          },
        ],
      },
    });
    expect(r["blob-storage"].inputs).toEqual({
      bucket: "fedi-club-production-pixelfed",
      quotaGib: 200,
      credentials: "pixelfed/s3-env",
      backup: {
        schedule: "0 3 * * *",
        keep: { ...NO_KEEP, last: 3, daily: 14, monthly: 6 },
        volumes: [
          {
            name: "fedi-club-production-pixelfed",
            host: null,
            targets: [
              {
                name: "offsite",
                endpoint: "https://s3.offsite.example",
                location: "demo-replicas",
                host: null,
                credentials: "backup/offsite-s3",
              },
            ],
          },
        ],
      },
    });
    expect(r.configuration.inputs.machine).toBe("pixelfed.virtualisation");
    expect(r.configuration.inputs.nixos.services.pixelfed.domain).toBe("pics.fediclub.example");
  });

  it("names the snapshot to restore in the restored volume's storage resource, and nowhere else", () => {
    const doc = restoreDocument();
    const { value, error } = evaluateDeployment(doc);
    if (!value) throw new Error(`evaluation failed:\n${error}`);
    expect(value.resources.pixelfed["block-storage"].inputs.restoreFrom).toEqual({
      volume: "tank/fedi-club/pixelfed",
      host: "pve-ams-1-n2",
      snapshot: "9812734650912",
      name: "autosnap_2026-03-01_03:00",
      takenAt: "2026-03-01T03:00:00.000Z",
    });
    // The rest of the deployment is the staged configuration, as an apply would render it.
    const { value: plain } = evaluateDeployment(document());
    expect({ ...value.resources.pixelfed["block-storage"].inputs, restoreFrom: undefined }).toEqual({
      ...plain.resources.pixelfed["block-storage"].inputs,
      restoreFrom: undefined,
    });
    expect(value.resources.pixelfed["blob-storage"].inputs).not.toHaveProperty("restoreFrom");
    expect(value.resources.forgejo["block-storage"].inputs).not.toHaveProperty("restoreFrom");
    expect(value.configurations).toEqual(plain.configurations);

    // A bucket restore goes to the blob-storage resource.
    doc.restore.volume = {
      ...doc.restore.volume,
      kind: "blob",
      name: "fedi-club-production-pixelfed",
      host: null,
    };
    const blob = evaluateDeployment(doc).value;
    expect(blob.resources.pixelfed["blob-storage"].inputs.restoreFrom).toMatchObject({
      volume: "fedi-club-production-pixelfed",
      snapshot: "9812734650912",
    });
    expect(blob.resources.pixelfed["block-storage"].inputs).not.toHaveProperty("restoreFrom");
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
    // No policy: the provider configures no snapshots.
    expect(e.resources.forgejo["block-storage"].inputs.backup).toBeNull();
    expect(e.resources.peertube.secrets.inputs.secrets.map((s: { name: string }) => s.name)).toEqual([
      "peertube/secrets",
      "peertube/smtp-password",
    ]);
  });

  // Documents the JSON Schema (or, for what it leaves open, the catalog) rejects: Nix rejects them too,
  // naming the field, and yields nothing.
  const invalid: [string, (d: any) => void, RegExp, "schema" | "catalog" | "library"][] = [
    [
      "another schemaVersion",
      (d) => (d.schemaVersion = 1),
      /schemaVersion: this library reads schemaVersion 2, got 1/,
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
      "a backup that is no object",
      (d) => (d.services[0].backup = "daily"),
      /services\[0\]\.backup: expected an object, got string "daily"/,
      "schema",
    ],
    [
      "a keep-rule below 0",
      (d) => (d.services[0].backup.policy.keep.daily = -1),
      /services\[0\]\.backup\.policy\.keep\.daily: must be at least 0, got -1/,
      "schema",
    ],
    [
      "a target with a secret instead of its name",
      (d) => (d.services[0].backup.volumes[0].targets[0].secretKey = "AKIA…"),
      /services\[0\]\.backup\.volumes\[0\]\.targets\[0\]\.secretKey: unknown field/,
      "schema",
    ],
    [
      "a block volume of a service without block storage",
      (d) => (d.services[0].storage.block = null),
      /services\[0\]\.backup\.volumes\[1\]: a block volume, but the service has no block storage/,
      "library",
    ],
    [
      "a bucket going to a ZFS target",
      (d) => (d.services[0].backup.volumes[0].targets[0].kind = "zfs-pull"),
      /services\[0\]\.backup\.volumes\[0\]\.targets\[0\]\.kind: a blob volume goes to s3-replica targets, got zfs-pull/,
      "library",
    ],
    [
      "an unknown component type",
      (d) => (d.resourceProviders[0].componentType = "vm"),
      /resourceProviders\[0\]\.componentType: must be one of "virtualisation", .*, got "vm"/,
      "schema",
    ],
    [
      "a restore without its snapshot's GUID",
      (d) => {
        d.restore = structuredClone(RESTORE);
        delete d.restore.snapshot.guid;
      },
      /restore\.snapshot\.guid: missing/,
      "schema",
    ],
    [
      "a restore of a volume the service does not have",
      (d) => (d.restore = { ...structuredClone(RESTORE), volume: { ...RESTORE.volume, name: "tank/other" } }),
      /restore\.volume: the pixelfed service has no block volume "tank\/other"/,
      "library",
    ],
    [
      "a restore of a volume of another kind",
      (d) => (d.restore = { ...structuredClone(RESTORE), volume: { ...RESTORE.volume, kind: "blob" } }),
      /restore\.volume: the pixelfed service has no blob volume "tank\/fedi-club\/pixelfed"/,
      "library",
    ],
    [
      "a restore of a service not in the document",
      (d) => (d.restore = { ...structuredClone(RESTORE), service: "U2VydmljZTptYXRyaXg" }),
      /restore\.service: no service "U2VydmljZTptYXRyaXg" in services/,
      "library",
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
    // What the JSON Schema cannot say: how volumes, storage and targets fit together.
    else if (refusedBy === "library") expect(validDocument(doc)).toBe(true);
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
