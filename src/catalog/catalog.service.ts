import type { DataSource, EntityManager } from "typeorm";
import { changesBetween, recordEvent } from "../accounting/record-event.js";
import { accessOf, forbidden, hidden } from "../authz/denied.js";
import { Permission } from "../authz/permissions.js";
import { restrict, scopeCondition } from "../authz/scope-sql.js";
import { DomainError, badInput, notFound } from "../common/errors.js";
import { expectGlobalId, toGlobalId } from "../common/global-id.js";
import { CATALOG_SCHEMAS, assertMatchesSchema, assertValidSchema } from "../common/json-schema.js";
import * as v from "../common/validate.js";
import { dbOf } from "../db/db.js";
import { SqlFilter, listPage, listSql } from "../db/list-page.js";
import { sql, sqlTemplate } from "../db/named-sql.js";
import { textKey, uuidKey } from "../db/sort-key.js";
import { inTransaction } from "../db/transaction.js";
import type { Connection, PageArgs } from "../api/connection.js";
import type { Caller } from "../common/caller.js";
import { ServiceTypeEntity } from "./service-type.entity.js";
import type { CreateServiceTypeInput, UpdateServiceTypeInput } from "./service-type.inputs.js";
import { SERVICE_TYPE_COLUMNS } from "./service-type.loaders.js";
import { type ServiceType, toServiceType } from "./service-type.types.js";

const SERVICE_TYPE_LIST = listSql("catalog.serviceTypes", "service_type t", SERVICE_TYPE_COLUMNS);
const PROVIDER_EXISTS = sql("catalog.providerExists", `SELECT 1 FROM provider WHERE id = $1`);
const PROVIDER_OF_TYPE = sql(
  "catalog.providerOfType",
  `SELECT provider_id AS "providerId" FROM service_type WHERE id = $1`,
);
const VISIBLE = sqlTemplate<"scope">(
  "catalog.visible",
  `SELECT 1 FROM service_type t WHERE t.id = $1{{scope}}`,
);
// At most a page of them is named in the refusal; the count says how many there are.
const DEPLOYMENTS_USING = sql(
  "catalog.deploymentsUsing",
  `SELECT d.id, d.name, o.slug AS operator, count(*) OVER ()::int AS total
     FROM service s JOIN deployment d ON d.id = s.deployment_id JOIN operator o ON o.id = d.operator_id
    WHERE s.service_type_id = $1 ORDER BY o.slug, d.name LIMIT 20`,
);
const SERVICE_OPTIONS = sql(
  "catalog.serviceOptions",
  `SELECT s.domain, s.options FROM service s WHERE s.service_type_id = $1 ORDER BY s.domain`,
);

export type ServiceTypeFilter = { providerId?: string; federated?: boolean; retired?: boolean };

const MAX_DESCRIPTION = 2000;

/** A provider's service catalog: every change checks catalog:manage for that provider and is accounted. */
export class CatalogService {
  constructor(private readonly ds: DataSource) {}

  list(caller: Caller, filter: ServiceTypeFilter, args: PageArgs): Promise<Connection<ServiceType>> {
    const f = restrict(new SqlFilter(), accessOf(caller), Permission.CatalogRead, "service_type");
    if (filter.providerId) {
      const id = expectGlobalId(filter.providerId, "Provider", "providerId");
      f.add((p) => `t.provider_id = ${p}`, id);
    }
    if (filter.federated !== undefined) f.add((p) => `t.federated = ${p}`, filter.federated);
    if (filter.retired !== undefined) f.where.push(`t.retired_at IS ${filter.retired ? "NOT " : ""}NULL`);
    return listPage(dbOf(this.ds), {
      sql: SERVICE_TYPE_LIST,
      filter: f,
      order: [textKey("t.slug"), uuidKey("t.id")],
      direction: "ASC",
      args,
      map: toServiceType,
      cursorOf: (t) => [t.slug, t.uuid],
    });
  }

  /** A type of the provider's own (a bespoke service), from the fields given. */
  create(caller: Caller, input: CreateServiceTypeInput): Promise<string> {
    const providerId = expectGlobalId(input.providerId, "Provider", "input.providerId");
    const access = accessOf(caller);
    const place = { providerId, operatorId: null };
    if (!access.allows(Permission.CatalogManage, place)) {
      const target = { kind: "Provider", id: input.providerId, ...place };
      throw access.allows(Permission.ProviderRead, place)
        ? forbidden(denialOf(target))
        : hidden(Permission.CatalogManage, target);
    }
    const values = {
      providerId,
      slug: v.slug(input.slug, "input.slug"),
      name: v.name(input.name, "input.name"),
      ...fieldsOf(input),
    };
    return inTransaction(this.ds, async (tx) => {
      if ((await tx.query(PROVIDER_EXISTS, [providerId])).length === 0)
        throw notFound("Provider", input.providerId);
      const saved = await tx.save(tx.create(ServiceTypeEntity, values));
      await recordEvent(tx, caller, {
        action: "create",
        targetKind: "service_type",
        targetId: saved.id,
        operatorId: null,
      });
      return saved.id;
    });
  }

  /** Changes the fields given; a new options schema must accept every existing service's options. */
  update(caller: Caller, globalId: string, input: UpdateServiceTypeInput): Promise<string> {
    const patch: Partial<ServiceTypeEntity> = fieldsOf(input);
    if (input.name != null) patch.name = v.name(input.name, "input.name");
    return this.change(caller, globalId, "update", async (tx, before) => {
      if (patch.optionsSchema) {
        for (const s of await tx.query(SERVICE_OPTIONS, [before.id])) {
          try {
            assertMatchesSchema(CATALOG_SCHEMAS, patch.optionsSchema, s.options, "options");
          } catch (e) {
            throw badInput(
              "input.optionsSchema",
              `the service ${s.domain} has options this schema rejects: ${(e as Error).message}`,
            );
          }
        }
      }
      return patch;
    });
  }

  /**
   * No new services of it from now on; its existing services keep working. Refused with IN_USE, naming
   * the deployments, while services of it exist, unless evenIfInUse.
   */
  retire(caller: Caller, globalId: string, evenIfInUse: boolean): Promise<string> {
    return this.change(caller, globalId, "retire", async (tx, before) => {
      if (before.retiredAt) return {};
      const using: { id: string; name: string; operator: string; total: number }[] = await tx.query(
        DEPLOYMENTS_USING,
        [before.id],
      );
      if (using.length > 0 && !evenIfInUse) {
        const named = using.map((d) => `${d.operator}/${d.name}`).join(", ");
        const total = using[0]!.total;
        throw new DomainError(
          "IN_USE",
          `the service type ${before.slug} is in use by ${total} deployment${total === 1 ? "" : "s"} (${named}${
            total > using.length ? ", …" : ""
          }): remove those services first, or retire it with evenIfInUse to keep them`,
          {
            field: "id",
            total,
            deployments: using.map((d) => ({
              id: toGlobalId("Deployment", d.id),
              name: d.name,
              operator: d.operator,
            })),
          },
        );
      }
      return { retiredAt: new Date() };
    });
  }

  unretire(caller: Caller, globalId: string): Promise<string> {
    return this.change(caller, globalId, "unretire", async (_tx, before) =>
      before.retiredAt ? { retiredAt: null } : {},
    );
  }

  /**
   * Checks catalog:manage for the type's provider, locks the row (addService takes it shared, so a retired
   * type gets no new service), computes a patch, writes it with its accounting event.
   */
  private change(
    caller: Caller,
    globalId: string,
    action: "update" | "retire" | "unretire",
    patchOf: (tx: EntityManager, before: ServiceTypeEntity) => Promise<Partial<ServiceTypeEntity>>,
  ): Promise<string> {
    const id = expectGlobalId(globalId, "ServiceType", "id");
    return inTransaction(this.ds, async (tx) => {
      const [owner] = (await tx.query(PROVIDER_OF_TYPE, [id])) as { providerId: string }[];
      if (!owner) throw notFound("ServiceType", globalId);
      await this.authorizeChange(caller, tx, { kind: "ServiceType", id: globalId, uuid: id, ...owner });
      const before = await tx.findOne(ServiceTypeEntity, {
        where: { id },
        lock: { mode: "pessimistic_write" },
      });
      if (!before) throw notFound("ServiceType", globalId);
      const patch = await patchOf(tx, before);
      const changes = changesBetween(before, patch);
      if (Object.keys(changes).length === 0) return id;
      await tx.update(ServiceTypeEntity, { id }, patch);
      await recordEvent(tx, caller, {
        action,
        targetKind: "service_type",
        targetId: id,
        operatorId: null,
        changes,
      });
      return id;
    });
  }

  /** catalog:manage where the type belongs; FORBIDDEN when the caller may read it, else NOT_FOUND. */
  private async authorizeChange(
    caller: Caller,
    tx: EntityManager,
    t: { kind: string; id: string; uuid: string; providerId: string },
  ): Promise<void> {
    const access = accessOf(caller);
    const target = { kind: t.kind, id: t.id, providerId: t.providerId, operatorId: null };
    if (access.allows(Permission.CatalogManage, target)) return;
    // Operators' people read their provider's catalog too: only SQL knows their operators' provider.
    const params: unknown[] = [t.uuid];
    const scope = scopeCondition(access, Permission.CatalogRead, "service_type", "t", params);
    const visible = await tx.query(VISIBLE.fill({ scope: scope ? ` AND ${scope}` : "" }), params);
    throw visible.length > 0 ? forbidden(denialOf(target)) : hidden(Permission.CatalogManage, target);
  }
}

const denialOf = (t: { kind: string; id: string }) => ({
  permission: Permission.CatalogManage,
  targetKind: t.kind.toLowerCase(),
  targetId: t.id,
  operatorId: null,
});

/** The optional fields of a create or update, checked; those not given are left out. */
function fieldsOf(input: CreateServiceTypeInput | UpdateServiceTypeInput): Partial<ServiceTypeEntity> {
  const out: Partial<ServiceTypeEntity> = {};
  if (input.description != null) {
    if (input.description.length > MAX_DESCRIPTION)
      throw badInput("input.description", `input.description must be at most ${MAX_DESCRIPTION} characters`);
    out.description = input.description.trim();
  }
  if (input.federated != null) out.federated = input.federated;
  if (input.storageKinds != null) out.storageKinds = [...new Set(input.storageKinds)];
  const r = input.defaultResources;
  if (r?.vcpus != null) out.defaultVcpus = v.size(r.vcpus, "input.defaultResources.vcpus", 1024);
  if (r?.memoryGib != null)
    out.defaultMemoryGib = v.size(r.memoryGib, "input.defaultResources.memoryGib", 65536);
  if (r?.blockStorageGib != null)
    out.defaultBlockStorageGib = v.size(r.blockStorageGib, "input.defaultResources.blockStorageGib");
  if (r?.blobStorageGib != null)
    out.defaultBlobStorageGib = v.size(r.blobStorageGib, "input.defaultResources.blobStorageGib");
  if (input.optionsSchema != null) {
    assertValidSchema(CATALOG_SCHEMAS, input.optionsSchema, "input.optionsSchema");
    out.optionsSchema = input.optionsSchema;
  }
  return out;
}
