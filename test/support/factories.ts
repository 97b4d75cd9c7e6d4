import { randomBytes } from "node:crypto";
import type { DataSource } from "typeorm";
import { REFERENCE_CATALOG } from "../../src/catalog/reference-catalog.js";
import { installReferenceCatalog } from "../../src/catalog/reference-sync.js";
import { systemCaller } from "../../src/common/caller.js";
import { toGlobalId } from "../../src/common/global-id.js";

const uniq = () => randomBytes(4).toString("hex");

/** Test data written straight to the database, each call with unique names. */
export function factories(ds: DataSource) {
  return {
    /** The reference catalog's slugs, which every provider made here has in its catalog (as f.service takes them). */
    async catalog(): Promise<Record<string, string>> {
      return Object.fromEntries(REFERENCE_CATALOG.map((t) => [t.slug, t.slug]));
    },
    async provider(over: { operatorInfoSchema?: object; providerInfoSchema?: object } = {}) {
      const slug = `p-${uniq()}`;
      const [row] = await ds.query(
        `INSERT INTO provider (slug, name, contact_email, operator_info_schema, provider_info_schema)
         VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [
          slug,
          `Provider ${slug}`,
          `ops@${slug}.example`,
          over.operatorInfoSchema ?? {},
          over.providerInfoSchema ?? {},
        ],
      );
      // As every provider gets it when created.
      await ds.transaction((tx) => installReferenceCatalog(tx, systemCaller(), row.id));
      return { id: row.id as string, gid: toGlobalId("Provider", row.id), slug };
    },
    async operator(
      providerId: string,
      over: { name?: string; status?: string; quota?: [number, number, number] } = {},
    ) {
      const slug = `o-${uniq()}`;
      const [s, c, m] = over.quota ?? [10_000, 100, 400];
      const [row] = await ds.query(
        `INSERT INTO operator (provider_id, slug, name, contact_email, dns_zone, status, quota_storage_gib, quota_vcpus, quota_memory_gib)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
        [
          providerId,
          slug,
          over.name ?? `Operator ${slug}`,
          `admin@${slug}.example`,
          `${slug}.example`,
          over.status ?? "active",
          s,
          c,
          m,
        ],
      );
      return { id: row.id as string, gid: toGlobalId("Operator", row.id), slug, zone: `${slug}.example` };
    },
    async deployment(operatorId: string, name = `d-${uniq()}`) {
      const [row] = await ds.query(
        `INSERT INTO deployment (operator_id, name) VALUES ($1, $2) RETURNING id`,
        [operatorId, name],
      );
      return { id: row.id as string, gid: toGlobalId("Deployment", row.id), name };
    },
    /** A service of the type with this slug in the catalog of the deployment's provider. */
    async service(
      deploymentId: string,
      serviceType: string,
      domain: string,
      sizes: Partial<Record<"block" | "blob" | "vcpus" | "memory", number>> = {},
    ) {
      const [row] = await ds.query(
        `INSERT INTO service (deployment_id, service_type_id, domain, block_storage_gib, blob_storage_gib, vcpus, memory_gib)
         SELECT $1, t.id, $3, $4, $5, $6, $7 FROM deployment d JOIN operator o ON o.id = d.operator_id
           JOIN service_type t ON t.provider_id = o.provider_id AND t.slug = $2
          WHERE d.id = $1 RETURNING id`,
        [
          deploymentId,
          serviceType,
          domain,
          sizes.block ?? 10,
          sizes.blob ?? 10,
          sizes.vcpus ?? 1,
          sizes.memory ?? 1,
        ],
      );
      if (!row) throw new Error(`no service type ${serviceType} in the catalog of the deployment's provider`);
      return { id: row.id as string, gid: toGlobalId("Service", row.id) };
    },
  };
}
