import type { DataSource, EntityManager } from "typeorm";
import { recordEvent, changesBetween } from "../accounting/record-event.js";
import { syncQuotaUsage } from "../accounting/usage.js";
import { accessOf, authorize } from "../authz/denied.js";
import { Permission } from "../authz/permissions.js";
import { restrict } from "../authz/scope-sql.js";
import { badInput, notFound } from "../common/errors.js";
import { expectGlobalId } from "../common/global-id.js";
import { assertMatchesSchema, providerSchemas } from "../common/json-schema.js";
import * as v from "../common/validate.js";
import { dbOf } from "../db/db.js";
import { SqlFilter, listPage, listSql } from "../db/list-page.js";
import { inTransaction } from "../db/transaction.js";
import { type Connection, type PageArgs, SortDirection } from "../api/connection.js";
import type { Caller } from "../common/caller.js";
import { ProviderEntity } from "../providers/provider.entity.js";
import { OperatorEntity } from "./operator.entity.js";
import type { CreateOperatorInput, QuotaInput, UpdateOperatorInput } from "./operator.inputs.js";
import { OPERATOR_COLUMNS } from "./operator.loaders.js";
import {
  type Operator,
  type OperatorFilter,
  type OperatorOrder,
  OperatorOrderField,
  OperatorStatus,
  toOperator,
} from "./operator.types.js";
import { assertWithinQuota } from "./quota.js";
import { textKey, timestampKey, uuidKey } from "../db/sort-key.js";
import { sql } from "../db/named-sql.js";

const SERVICE_OUTSIDE_ZONE = sql(
  "operators.serviceOutsideZone",
  `SELECT s.domain FROM service s JOIN deployment d ON d.id = s.deployment_id
           WHERE d.operator_id = $1 AND s.domain <> $2 AND s.domain NOT LIKE '%.' || $2 LIMIT 1`,
);
const PROVIDER_OF = sql(
  "operators.providerOf",
  `SELECT provider_id AS "providerId" FROM operator WHERE id = $1`,
);

const OPERATOR_LIST = listSql("operators.list", "operator t", OPERATOR_COLUMNS);
// A created_at cursor keeps PostgreSQL's microseconds, which a JS Date would round away.
const OPERATOR_LIST_BY_CREATED = listSql(
  "operators.listByCreated",
  "operator t",
  `${OPERATOR_COLUMNS}, t.created_at::text AS "createdAtKey"`,
);

export class OperatorService {
  constructor(private readonly ds: DataSource) {}

  list(
    caller: Caller,
    filter: OperatorFilter | undefined,
    order: OperatorOrder | undefined,
    args: PageArgs,
  ): Promise<Connection<Operator>> {
    const f = restrict(new SqlFilter(), accessOf(caller), Permission.OperatorRead, "operator");
    if (filter?.status) f.add((p) => `t.status = ${p}`, filter.status);
    if (filter?.nameContains) {
      f.add((p) => `t.name ILIKE ${p}`, `%${filter.nameContains.replace(/[\\%_]/g, "\\$&")}%`);
    }
    if (filter?.providerId) {
      f.add(
        (p) => `t.provider_id = ${p}`,
        expectGlobalId(filter.providerId, "Provider", "filter.providerId"),
      );
    }
    const byName = (order?.field ?? OperatorOrderField.NAME) === OperatorOrderField.NAME;
    return listPage(dbOf(this.ds), {
      sql: byName ? OPERATOR_LIST : OPERATOR_LIST_BY_CREATED,
      filter: f,
      order: [byName ? textKey("t.name") : timestampKey("t.created_at"), uuidKey("t.id")],
      direction: order?.direction ?? SortDirection.ASC,
      args,
      map: toOperator,
      cursorOf: (o) => [byName ? o.name : (o as Operator & { createdAtKey: string }).createdAtKey, o.uuid],
    });
  }

  async create(caller: Caller, input: CreateOperatorInput): Promise<string> {
    const providerId = expectGlobalId(input.providerId, "Provider", "input.providerId");
    const values = {
      providerId,
      name: v.name(input.name, "input.name"),
      slug: v.slug(input.slug, "input.slug"),
      contactEmail: v.email(input.contactEmail, "input.contactEmail"),
      dnsZone: v.dnsName(input.dnsZone, "input.dnsZone"),
      quotaStorageGib: v.size(input.quota?.storageGib ?? 0, "input.quota.storageGib"),
      quotaVcpus: v.size(input.quota?.vcpus ?? 0, "input.quota.vcpus"),
      quotaMemoryGib: v.size(input.quota?.memoryGib ?? 0, "input.quota.memoryGib"),
      bespokeInfo: input.bespokeInfo ?? {},
    };
    return inTransaction(this.ds, async (tx) => {
      const provider = await tx.findOneBy(ProviderEntity, { id: providerId });
      if (!provider) throw notFound("Provider", input.providerId);
      // A new operator of this provider: operator:create for it (another provider looks missing).
      authorize(caller, Permission.OperatorCreate, {
        kind: "Provider",
        id: input.providerId,
        providerId,
        operatorId: null,
      });
      assertMatchesSchema(
        providerSchemas(provider.id),
        provider.operatorInfoSchema,
        values.bespokeInfo,
        "input.bespokeInfo",
      );
      const saved = await tx.save(tx.create(OperatorEntity, values));
      await syncQuotaUsage(tx, saved.id);
      await recordEvent(tx, caller, {
        action: "create",
        targetKind: "operator",
        targetId: saved.id,
        operatorId: saved.id,
      });
      return saved.id;
    });
  }

  async update(caller: Caller, globalId: string, input: UpdateOperatorInput): Promise<string> {
    const id = expectGlobalId(globalId, "Operator", "id");
    const patch: Partial<OperatorEntity> = {};
    if (input.name != null) patch.name = v.name(input.name, "input.name");
    if (input.contactEmail != null) patch.contactEmail = v.email(input.contactEmail, "input.contactEmail");
    if (input.dnsZone != null) patch.dnsZone = v.dnsName(input.dnsZone, "input.dnsZone");
    return this.change(caller, id, "update", Permission.OperatorUpdate, async (tx, before) => {
      if (patch.dnsZone && patch.dnsZone !== before.dnsZone) {
        const [outside] = await tx.query(SERVICE_OUTSIDE_ZONE, [id, patch.dnsZone]);
        if (outside)
          throw badInput("input.dnsZone", `service domain ${outside.domain} would fall outside the new zone`);
      }
      return patch;
    });
  }

  setStatus(caller: Caller, globalId: string, status: OperatorStatus): Promise<string> {
    const id = expectGlobalId(globalId, "Operator", "id");
    const action = status === OperatorStatus.SUSPENDED ? "suspend" : "resume";
    return this.change(caller, id, action, Permission.OperatorSuspend, async () => ({ status }));
  }

  setQuota(caller: Caller, globalId: string, quota: QuotaInput): Promise<string> {
    const id = expectGlobalId(globalId, "Operator", "id");
    const patch = {
      quotaStorageGib: v.size(quota.storageGib, "quota.storageGib"),
      quotaVcpus: v.size(quota.vcpus, "quota.vcpus"),
      quotaMemoryGib: v.size(quota.memoryGib, "quota.memoryGib"),
    };
    return this.change(caller, id, "update", Permission.QuotaSet, async () => patch, true);
  }

  setBespokeInfo(caller: Caller, globalId: string, info: Record<string, unknown>): Promise<string> {
    const id = expectGlobalId(globalId, "Operator", "id");
    return this.change(caller, id, "update", Permission.OperatorUpdate, async (tx, before) => {
      const provider = await tx.findOneByOrFail(ProviderEntity, { id: before.providerId });
      assertMatchesSchema(providerSchemas(provider.id), provider.operatorInfoSchema, info, "info");
      return { bespokeInfo: info };
    });
  }

  /**
   * Checks the caller's permission for the operator, locks it, computes a patch, writes it with its event,
   * and re-checks the quota if asked.
   */
  private change(
    caller: Caller,
    id: string,
    action: string,
    permission: Permission,
    patchOf: (tx: EntityManager, before: OperatorEntity) => Promise<Partial<OperatorEntity>>,
    checkQuota = false,
  ): Promise<string> {
    return inTransaction(this.ds, async (tx) => {
      // Decided before the row is locked, so nobody out of reach holds a lock on it.
      const [owner] = (await tx.query(PROVIDER_OF, [id])) as { providerId: string }[];
      if (!owner) throw notFound("Operator", id);
      authorize(caller, permission, { kind: "Operator", id, providerId: owner.providerId, operatorId: id });
      const before = await tx.findOne(OperatorEntity, { where: { id }, lock: { mode: "pessimistic_write" } });
      if (!before) throw notFound("Operator", id);
      const patch = await patchOf(tx, before);
      const changes = changesBetween(before, patch);
      if (Object.keys(changes).length === 0) return id;
      await tx.update(OperatorEntity, { id }, patch);
      if (checkQuota) {
        await assertWithinQuota(tx, id);
        await syncQuotaUsage(tx, id);
      }
      await recordEvent(tx, caller, {
        action,
        targetKind: "operator",
        targetId: id,
        operatorId: id,
        changes,
      });
      return id;
    });
  }
}
