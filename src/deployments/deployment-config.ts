import { toGlobalId } from "../common/global-id.js";
import type { Db } from "../db/db.js";
import { sql } from "../db/named-sql.js";
import { type ServiceConfigSection, sectionsOf } from "./config-section.js";

/** The version of deployment.json this code writes (the JSON Schema's `schemaVersion`). */
export const SCHEMA_VERSION = 2;

/**
 * The document a NixOps4 deployment reads (deployment.json), described by
 * schema/deployment-config.schema.json. Built from the staged state; the deployed one is a frozen copy.
 */
export type DeploymentConfig = {
  schemaVersion: typeof SCHEMA_VERSION;
  deployment: { id: string; name: string; generation: number };
  provider: { id: string; slug: string; name: string };
  operator: {
    id: string;
    slug: string;
    name: string;
    contactEmail: string;
    dnsZone: string;
    quota: { storageGib: number; vcpus: number; memoryGib: number };
    bespokeInfo: object;
  };
  services: {
    id: string;
    type: string;
    federated: boolean;
    enabled: boolean;
    domain: string;
    options: object;
    resources: { vcpus: number; memoryGib: number };
    storage: { block: { sizeGib: number } | null; blob: { sizeGib: number } | null };
    /** Other modules' sections (ServiceConfigSection), by key. */
    [section: string]: unknown;
  }[];
  resourceProviders: { componentType: string; implementation: string; settings: object }[];
  coreServices: { kind: string; name: string; endpoint: string; settings: object }[];
};

const DEPLOYMENT = sql(
  "deployments.config.deployment",
  `SELECT d.id, d.name, d.staged_generation AS generation,
            o.id AS "operatorId", o.slug AS "operatorSlug", o.name AS "operatorName", o.contact_email AS "contactEmail",
            o.dns_zone AS "dnsZone", o.quota_storage_gib AS "quotaStorageGib", o.quota_vcpus AS "quotaVcpus",
            o.quota_memory_gib AS "quotaMemoryGib", o.bespoke_info AS "bespokeInfo",
            p.id AS "providerId", p.slug AS "providerSlug", p.name AS "providerName"
       FROM deployment d JOIN operator o ON o.id = d.operator_id JOIN provider p ON p.id = o.provider_id
      WHERE d.id = $1`,
);
const SERVICES = sql(
  "deployments.config.services",
  `SELECT s.id, st.slug AS type, st.federated, s.enabled, s.domain, s.options, s.vcpus, s.memory_gib AS "memoryGib",
              s.block_storage_gib AS "blockStorageGib", s.blob_storage_gib AS "blobStorageGib"
         FROM service s JOIN service_type st ON st.id = s.service_type_id
        WHERE s.deployment_id = $1 ORDER BY s.domain, s.id`,
);
const RESOURCE_PROVIDERS = sql(
  "deployments.config.resourceProviders",
  `SELECT component_type AS "componentType", implementation, settings FROM resource_provider
        WHERE provider_id = $1 ORDER BY component_type, implementation`,
);
const CORE_SERVICES = sql(
  "deployments.config.coreServices",
  `SELECT kind, name, endpoint, settings FROM core_service WHERE provider_id = $1 ORDER BY kind, name`,
);

/** The staged document; `sections` are the other modules' parts of each service's entry. */
export async function buildStagedConfig(
  db: Db,
  deploymentId: string,
  sections: readonly ServiceConfigSection[],
): Promise<DeploymentConfig | null> {
  const [head] = await db.query(DEPLOYMENT, [deploymentId]);
  if (!head) return null;
  const [services, resourceProviders, coreServices, ...read] = await Promise.all([
    db.query(SERVICES, [deploymentId]),
    db.query(RESOURCE_PROVIDERS, [head.providerId]),
    db.query(CORE_SERVICES, [head.providerId]),
    ...sections.map((s) => s.read(db, deploymentId)),
  ]);
  return {
    schemaVersion: SCHEMA_VERSION,
    deployment: {
      id: toGlobalId("Deployment", head.id as string),
      name: head.name as string,
      generation: head.generation as number,
    },
    provider: {
      id: toGlobalId("Provider", head.providerId as string),
      slug: head.providerSlug as string,
      name: head.providerName as string,
    },
    operator: {
      id: toGlobalId("Operator", head.operatorId as string),
      slug: head.operatorSlug as string,
      name: head.operatorName as string,
      contactEmail: head.contactEmail as string,
      dnsZone: head.dnsZone as string,
      quota: {
        storageGib: head.quotaStorageGib as number,
        vcpus: head.quotaVcpus as number,
        memoryGib: head.quotaMemoryGib as number,
      },
      bespokeInfo: head.bespokeInfo as object,
    },
    services: services.map((s) => ({
      id: toGlobalId("Service", s.id as string),
      type: s.type as string,
      federated: s.federated as boolean,
      enabled: s.enabled as boolean,
      domain: s.domain as string,
      options: s.options as object,
      resources: { vcpus: s.vcpus as number, memoryGib: s.memoryGib as number },
      storage: {
        block: (s.blockStorageGib as number) > 0 ? { sizeGib: s.blockStorageGib as number } : null,
        blob: (s.blobStorageGib as number) > 0 ? { sizeGib: s.blobStorageGib as number } : null,
      },
      ...sectionsOf(sections, read, s.id as string),
    })),
    resourceProviders: resourceProviders as DeploymentConfig["resourceProviders"],
    coreServices: coreServices as DeploymentConfig["coreServices"],
  };
}

const DEPLOYED = sql(
  "deployments.config.deployed",
  `SELECT deployed_config AS config FROM deployment WHERE id = $1`,
);

/** The configuration the last successful run applied, or null when nothing was deployed yet. */
export async function loadDeployedConfig(
  db: Db,
  deploymentId: string,
): Promise<DeploymentConfig | null | undefined> {
  const [row] = await db.query(DEPLOYED, [deploymentId]);
  if (!row) return undefined;
  return (row.config as DeploymentConfig | null) ?? null;
}
