import type { DataSource } from "typeorm";
import { changesBetween, recordEvent } from "../accounting/record-event.js";
import { accessOf, authorize, authorizeInstallation } from "../authz/denied.js";
import { Permission } from "../authz/permissions.js";
import { restrict, scopeCondition } from "../authz/scope-sql.js";
import { badInput, notFound } from "../common/errors.js";
import { expectGlobalId } from "../common/global-id.js";
import { assertMatchesSchema, assertValidSchema, providerSchemas } from "../common/json-schema.js";
import * as v from "../common/validate.js";
import { dbOf } from "../db/db.js";
import { SqlFilter, listPage, listSql } from "../db/list-page.js";
import { inTransaction } from "../db/transaction.js";
import type { Connection, PageArgs } from "../api/connection.js";
import type { Caller } from "../common/caller.js";
import { installReferenceCatalog } from "../catalog/reference-sync.js";
import { ProviderEntity } from "./provider.entity.js";
import type { CreateProviderInput, SetProviderSchemasInput } from "./provider.inputs.js";
import { PROVIDER_COLUMNS } from "./provider.loaders.js";
import { type Provider, toProvider } from "./provider.types.js";
import { textKey, uuidKey } from "../db/sort-key.js";
import { sql, sqlTemplate } from "../db/named-sql.js";

const OPERATOR_INFO = sql(
  "providers.operatorInfo",
  `SELECT slug, bespoke_info AS info FROM operator WHERE provider_id = $1`,
);

const PROVIDER_LIST = listSql("providers.list", "provider t", PROVIDER_COLUMNS);
const BY_SLUG = sqlTemplate<"scope">(
  "providers.bySlug",
  `SELECT ${PROVIDER_COLUMNS} FROM provider t WHERE t.slug = $1{{scope}}`,
);

export class ProviderService {
  constructor(private readonly ds: DataSource) {}

  list(caller: Caller, args: PageArgs): Promise<Connection<Provider>> {
    return listPage(dbOf(this.ds), {
      sql: PROVIDER_LIST,
      filter: restrict(new SqlFilter(), accessOf(caller), Permission.ProviderRead, "provider"),
      order: [textKey("t.slug"), uuidKey("t.id")],
      direction: "ASC",
      args,
      map: toProvider,
      cursorOf: (p) => [p.slug, p.uuid],
    });
  }

  async bySlug(caller: Caller, slug: string): Promise<Provider | null> {
    const params: unknown[] = [slug];
    const scoped = scopeCondition(accessOf(caller), Permission.ProviderRead, "provider", "t", params);
    const [row] = await dbOf(this.ds).query(BY_SLUG.fill({ scope: scoped ? ` AND ${scoped}` : "" }), params);
    return row ? toProvider(row) : null;
  }

  create(caller: Caller, input: CreateProviderInput): Promise<string> {
    authorizeInstallation(caller, Permission.ProviderCreate, { kind: "Provider", id: null });
    const values = {
      name: v.name(input.name, "input.name"),
      slug: v.slug(input.slug, "input.slug"),
      contactEmail: v.email(input.contactEmail, "input.contactEmail"),
    };
    return inTransaction(this.ds, async (tx) => {
      const saved = await tx.save(tx.create(ProviderEntity, values));
      await recordEvent(tx, caller, {
        action: "create",
        targetKind: "provider",
        targetId: saved.id,
        operatorId: null,
      });
      // Every provider owns its service catalog, starting from the reference one.
      await installReferenceCatalog(tx, caller, saved.id);
      return saved.id;
    });
  }

  /** Replaces the schemas; existing bespoke info must still validate, so no value is orphaned. */
  setSchemas(caller: Caller, globalId: string, input: SetProviderSchemasInput): Promise<string> {
    const id = expectGlobalId(globalId, "Provider", "id");
    authorizeProvider(caller, globalId, id);
    const owner = providerSchemas(id);
    if (input.providerInfoSchema)
      assertValidSchema(owner, input.providerInfoSchema, "input.providerInfoSchema");
    if (input.operatorInfoSchema)
      assertValidSchema(owner, input.operatorInfoSchema, "input.operatorInfoSchema");
    return inTransaction(this.ds, async (tx) => {
      const before = await tx.findOne(ProviderEntity, { where: { id }, lock: { mode: "pessimistic_write" } });
      if (!before) throw notFound("Provider", globalId);
      if (input.providerInfoSchema) {
        assertMatchesSchema(owner, input.providerInfoSchema, before.bespokeInfo, "input.providerInfoSchema");
      }
      if (input.operatorInfoSchema) {
        const rows = await tx.query(OPERATOR_INFO, [id]);
        for (const r of rows) {
          try {
            assertMatchesSchema(owner, input.operatorInfoSchema, r.info, "bespokeInfo");
          } catch (e) {
            throw badInput(
              "input.operatorInfoSchema",
              `operator ${r.slug} has bespoke info this schema rejects: ${(e as Error).message}`,
            );
          }
        }
      }
      const patch = {
        providerInfoSchema: input.providerInfoSchema,
        operatorInfoSchema: input.operatorInfoSchema,
      };
      const changes = changesBetween(before, patch);
      if (Object.keys(changes).length === 0) return id;
      await tx.update(
        ProviderEntity,
        { id },
        Object.fromEntries(Object.entries(patch).filter(([, x]) => x !== undefined)),
      );
      await recordEvent(tx, caller, {
        action: "update",
        targetKind: "provider",
        targetId: id,
        operatorId: null,
        changes,
      });
      return id;
    });
  }

  setBespokeInfo(caller: Caller, globalId: string, info: Record<string, unknown>): Promise<string> {
    const id = expectGlobalId(globalId, "Provider", "id");
    authorizeProvider(caller, globalId, id);
    return inTransaction(this.ds, async (tx) => {
      const before = await tx.findOne(ProviderEntity, { where: { id }, lock: { mode: "pessimistic_write" } });
      if (!before) throw notFound("Provider", globalId);
      assertMatchesSchema(providerSchemas(id), before.providerInfoSchema, info, "info");
      const changes = changesBetween(before, { bespokeInfo: info });
      if (Object.keys(changes).length === 0) return id;
      await tx.update(ProviderEntity, { id }, { bespokeInfo: info });
      await recordEvent(tx, caller, {
        action: "update",
        targetKind: "provider",
        targetId: id,
        operatorId: null,
        changes,
      });
      return id;
    });
  }
}

/** provider:manage for this provider; another provider looks missing. */
function authorizeProvider(caller: Caller, globalId: string, providerId: string): void {
  authorize(caller, Permission.ProviderManage, {
    kind: "Provider",
    id: globalId,
    providerId,
    operatorId: null,
  });
}
