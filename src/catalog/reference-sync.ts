import { randomUUID } from "node:crypto";
import type { EntityManager } from "typeorm";
import { recordEvent } from "../accounting/record-event.js";
import { type Caller, systemCaller } from "../common/caller.js";
import { sql } from "../db/named-sql.js";
import { REFERENCE_CATALOG, type ReferenceServiceType } from "./reference-catalog.js";
import { mergeReference } from "./reference-merge.js";
import { ServiceTypeEntity, type ServiceTypeValues } from "./service-type.entity.js";

// $1 is the reference catalog as one JSON object, slug → values; the row remembers the values it got.
const INSTALL = sql(
  "catalog.installReference",
  `INSERT INTO service_type (provider_id, slug, name, description, federated, storage_kinds, default_vcpus,
                            default_memory_gib, default_block_storage_gib, default_blob_storage_gib,
                            options_schema, reference)
   SELECT p.id, e.key, r.name, r.description, r.federated, r."storageKinds", r."defaultVcpus",
          r."defaultMemoryGib", r."defaultBlockStorageGib", r."defaultBlobStorageGib", r."optionsSchema", e.value
     FROM provider p CROSS JOIN jsonb_each($1::jsonb) e
          CROSS JOIN LATERAL jsonb_to_record(e.value) AS r(name text, description text, federated boolean,
            "storageKinds" text[], "defaultVcpus" int, "defaultMemoryGib" int, "defaultBlockStorageGib" int,
            "defaultBlobStorageGib" int, "optionsSchema" jsonb)
    WHERE $2::uuid IS NULL OR p.id = $2
   ON CONFLICT (provider_id, slug) DO NOTHING
   RETURNING id`,
);

// Rows installed from the reference whose last-installed values differ from this release's.
const OUTDATED = sql(
  "catalog.outdatedReference",
  `SELECT t.id, t.name, t.description, t.federated, t.storage_kinds AS "storageKinds",
          t.default_vcpus AS "defaultVcpus", t.default_memory_gib AS "defaultMemoryGib",
          t.default_block_storage_gib AS "defaultBlockStorageGib",
          t.default_blob_storage_gib AS "defaultBlobStorageGib", t.options_schema AS "optionsSchema",
          t.reference, $1::jsonb -> t.slug AS next
     FROM service_type t
    WHERE t.reference IS NOT NULL AND $1::jsonb ? t.slug AND t.reference <> $1::jsonb -> t.slug
    ORDER BY t.id
      FOR UPDATE`,
);

/** The reference catalog as the statements take it: slug → values. */
const asJson = (reference: readonly ReferenceServiceType[]): string =>
  JSON.stringify(Object.fromEntries(reference.map(({ slug, ...values }) => [slug, values])));

/**
 * Installs the reference types a provider's catalog lacks (all providers' when providerId is null), one
 * accounting event each; a type the provider has (retired, edited or its own of that slug) is left alone.
 */
export async function installReferenceCatalog(
  tx: EntityManager,
  caller: Caller,
  providerId: string | null,
  reference: readonly ReferenceServiceType[] = REFERENCE_CATALOG,
): Promise<number> {
  const rows: { id: string }[] = await tx.query(INSTALL, [asJson(reference), providerId]);
  for (const r of rows) {
    await recordEvent(tx, caller, {
      action: "create",
      targetKind: "service_type",
      targetId: r.id,
      operatorId: null,
      reason: "reference catalog installed",
    });
  }
  return rows.length;
}

/** Who upgrades the catalogs: the release itself, recorded as a system initiator. */
const releaseCaller = (): Caller =>
  systemCaller({ requestId: `reference-catalog-${randomUUID()}`, actor: "reference catalog" });

/**
 * Brings every provider's catalog up to this release's reference catalog, in one transaction: missing
 * types are installed, outdated ones merged (mergeReference); nothing is deleted. Runs after the
 * migrations (src/db/data-source.ts) on their connection (`db`: an EntityManager bound to it, or
 * `ds.manager`), under their lock; with nothing to do it is two statements.
 */
export async function syncReferenceCatalog(
  db: EntityManager,
  reference: readonly ReferenceServiceType[] = REFERENCE_CATALOG,
): Promise<{ installed: number; upgraded: number }> {
  const caller = releaseCaller();
  return db.transaction(async (tx) => {
    const outdated: (ServiceTypeValues & {
      id: string;
      reference: ServiceTypeValues;
      next: ServiceTypeValues;
    })[] = await tx.query(OUTDATED, [asJson(reference)]);
    let upgraded = 0;
    for (const row of outdated) {
      const patch = mergeReference(row, row.reference, row.next);
      await tx.update(ServiceTypeEntity, { id: row.id }, { ...patch, reference: row.next });
      if (Object.keys(patch).length === 0) continue;
      upgraded += 1;
      const changes = Object.fromEntries(
        Object.entries(patch).map(([f, after]) => [f, { before: row[f as keyof ServiceTypeValues], after }]),
      );
      await recordEvent(tx, caller, {
        action: "update",
        targetKind: "service_type",
        targetId: row.id,
        operatorId: null,
        reason: "reference catalog upgraded",
        changes,
      });
    }
    const installed = await installReferenceCatalog(tx, caller, null, reference);
    return { installed, upgraded };
  });
}
