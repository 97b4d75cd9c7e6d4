import { randomBytes } from "node:crypto";
import type { DataSource } from "typeorm";
import { seedCatalog } from "../../seeds/demo.js";
import { toGlobalId } from "../../src/common/global-id.js";

const uniq = () => randomBytes(4).toString("hex");

/** Test data written straight to the database, each call with unique names. */
export function factories(ds: DataSource) {
  return {
    async catalog() {
      await ds.transaction((tx) => seedCatalog(tx));
      const rows: { slug: string; id: string }[] = await ds.query(`SELECT slug, id FROM service_type`);
      return Object.fromEntries(rows.map((r) => [r.slug, r.id]));
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
    async service(
      deploymentId: string,
      serviceTypeId: string,
      domain: string,
      sizes: Partial<Record<"block" | "blob" | "vcpus" | "memory", number>> = {},
    ) {
      const [row] = await ds.query(
        `INSERT INTO service (deployment_id, service_type_id, domain, block_storage_gib, blob_storage_gib, vcpus, memory_gib)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [
          deploymentId,
          serviceTypeId,
          domain,
          sizes.block ?? 10,
          sizes.blob ?? 10,
          sizes.vcpus ?? 1,
          sizes.memory ?? 1,
        ],
      );
      return { id: row.id as string, gid: toGlobalId("Service", row.id) };
    },
  };
}
