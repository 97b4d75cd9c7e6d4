import type { DataSource } from "typeorm";
import { installReferenceCatalog } from "../src/catalog/reference-sync.js";
import { systemCaller } from "../src/common/caller.js";

const operatorInfoSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    billingReference: { type: "string", maxLength: 64 },
    supportTier: { enum: ["basic", "standard", "premium"] },
  },
};

const providerInfoSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    upstreamDns: {
      type: "object",
      properties: {
        nameservers: { type: "array", items: { type: "string", format: "hostname" } },
        serviceAccountRef: { type: "string" },
      },
    },
    mailRelay: { type: "string", format: "hostname" },
  },
};

/** Demo data for `npm start`: one provider, two operators, deployments with services. Idempotent. */
export async function seedDemo(ds: DataSource): Promise<void> {
  await ds.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO provider (slug, name, contact_email, provider_info_schema, operator_info_schema, bespoke_info)
       VALUES ('demo', 'Demo Hosting', 'ops@demo-hosting.example', $1, $2, $3) ON CONFLICT (slug) DO NOTHING`,
      [
        providerInfoSchema,
        operatorInfoSchema,
        {
          upstreamDns: {
            nameservers: ["ns1.desec.io", "ns2.desec.org"],
            serviceAccountRef: "secret:desec-token",
          },
          mailRelay: "relay.demo-hosting.example",
        },
      ],
    );
    const [{ id: providerId }] = await tx.query(`SELECT id FROM provider WHERE slug = 'demo'`);
    // Its service catalog, as every provider gets (on an existing one: what it lacks).
    await installReferenceCatalog(tx, systemCaller({ actor: "demo seeds" }), providerId);
    const resourceProviders = [
      ["virtualisation", "proxmox", { cluster: "pve-ams-1" }],
      ["dns", "desec", { apiUrl: "https://desec.io/api/v1" }],
      ["secrets", "sops-nix", {}],
      ["mail", "postfix-relay", {}],
      ["blob-storage", "garage", { region: "garage-ams" }],
      ["block-storage", "zfs", { pool: "tank" }],
      ["configuration", "nixos", { channel: "nixos-25.11" }],
    ];
    for (const [type, impl, settings] of resourceProviders) {
      await tx.query(
        `INSERT INTO resource_provider (provider_id, component_type, implementation, settings) VALUES ($1, $2, $3, $4)
         ON CONFLICT (provider_id, component_type, implementation) DO NOTHING`,
        [providerId, type, impl, settings],
      );
    }
    const coreServices = [
      ["dns", "deSEC", "https://desec.io/api/v1"],
      ["mail", "Demo mail relay", "smtp://relay.demo-hosting.example:587"],
      ["secrets", "Demo secrets store", "https://vault.demo-hosting.example"],
    ];
    for (const [kind, name, endpoint] of coreServices) {
      await tx.query(
        `INSERT INTO core_service (provider_id, kind, name, endpoint) VALUES ($1, $2, $3, $4)
         ON CONFLICT (provider_id, kind, name) DO NOTHING`,
        [providerId, kind, name, endpoint],
      );
    }
    const operators = [
      [
        "fedi-club",
        "Fedi Club",
        "admin@fediclub.example",
        "fediclub.example",
        1000,
        16,
        32,
        { supportTier: "standard" },
      ],
      [
        "uni-wiki",
        "Université Wiki",
        "it@xn--universit-j4a.example",
        "xn--universit-j4a.example",
        200,
        4,
        8,
        {},
      ],
    ] as const;
    for (const [slug, name, email, zone, storage, vcpus, memory, info] of operators) {
      await tx.query(
        `INSERT INTO operator (provider_id, slug, name, contact_email, dns_zone, quota_storage_gib, quota_vcpus,
                               quota_memory_gib, bespoke_info)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (provider_id, slug) DO NOTHING`,
        [providerId, slug, name, email, zone, storage, vcpus, memory, info],
      );
    }
    const deployments = [
      [
        "fedi-club",
        "production",
        [
          ["mastodon", "social"],
          ["pixelfed", "pics"],
        ],
      ],
      ["fedi-club", "staging", [["mastodon", "social-staging"]]],
      ["uni-wiki", "production", [["forgejo", "git"]]],
    ] as const;
    for (const [operatorSlug, name, services] of deployments) {
      const [op] = await tx.query(`SELECT id, dns_zone FROM operator WHERE provider_id = $1 AND slug = $2`, [
        providerId,
        operatorSlug,
      ]);
      await tx.query(
        `INSERT INTO deployment (operator_id, name) VALUES ($1, $2) ON CONFLICT (operator_id, name) DO NOTHING`,
        [op.id, name],
      );
      const [d] = await tx.query(`SELECT id FROM deployment WHERE operator_id = $1 AND name = $2`, [
        op.id,
        name,
      ]);
      for (const [type, host] of services) {
        await tx.query(
          `INSERT INTO service (deployment_id, service_type_id, domain, vcpus, memory_gib, block_storage_gib,
                                blob_storage_gib)
           SELECT $1, t.id, $2, t.default_vcpus, t.default_memory_gib, t.default_block_storage_gib,
                  t.default_blob_storage_gib
             FROM service_type t WHERE t.provider_id = $4 AND t.slug = $3
           ON CONFLICT (deployment_id, service_type_id) DO NOTHING`,
          [d.id, `${host}.${op.dns_zone}`, type, providerId],
        );
        // Its service data's ZFS dataset, protected (and pulled by the provider's target below).
        await tx.query(
          `INSERT INTO backup_volume (service_id, operator_id, kind, name)
           SELECT s.id, $2, 'block', $3 FROM service s JOIN service_type t ON t.id = s.service_type_id
            WHERE s.deployment_id = $1 AND t.slug = $4
           ON CONFLICT (service_id, kind, name) DO NOTHING`,
          [d.id, op.id, `tank/${operatorSlug}/${name}/${type}`, type],
        );
      }
    }
    // The provider's backups: a nightly default with a week of dailies as the minimum, for every type,
    // and a host pulling the ZFS snapshots (its SSH key by name only).
    await tx.query(
      `INSERT INTO backup_default (provider_id, service_type_id, schedule, keep_last, keep_daily, keep_weekly,
                                   keep_monthly, min_keep_daily)
       SELECT $1, t.id, '0 3 * * *', 3, 14, 4, 6, 7 FROM service_type t WHERE t.provider_id = $1
       ON CONFLICT (provider_id, service_type_id) DO NOTHING`,
      [providerId],
    );
    await tx.query(
      `INSERT INTO backup_target (provider_id, name, kind, endpoint, location, secret_ref)
       VALUES ($1, 'vault', 'zfs-pull', 'vault.demo-hosting.example', 'backup/demo', 'backup/vault-ssh-key')
       ON CONFLICT (provider_id, name) DO NOTHING`,
      [providerId],
    );
  });
}
