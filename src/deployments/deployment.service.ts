import type { DataSource, EntityManager } from "typeorm";
import { changesBetween, recordEvent } from "../accounting/record-event.js";
import { closeDeploymentUsage, syncServiceUsage } from "../accounting/usage.js";
import { ServiceTypeEntity } from "../catalog/service-type.entity.js";
import { accessOf, authorize } from "../authz/denied.js";
import { Permission } from "../authz/permissions.js";
import { restrict } from "../authz/scope-sql.js";
import { badInput, notFound } from "../common/errors.js";
import { expectGlobalId } from "../common/global-id.js";
import { CATALOG_SCHEMAS, assertMatchesSchema } from "../common/json-schema.js";
import * as v from "../common/validate.js";
import { dbOf } from "../db/db.js";
import { SqlFilter, listPage, listSql } from "../db/list-page.js";
import { inTransaction } from "../db/transaction.js";
import type { Connection, PageArgs } from "../api/connection.js";
import type { Caller } from "../common/caller.js";
import { OperatorEntity } from "../operators/operator.entity.js";
import { type QuotaAsks, assertWithinQuota, lockOperator } from "../operators/quota.js";
import { DeploymentEntity } from "./deployment.entity.js";
import type { AddServiceInput, ConfigureServiceInput, CreateDeploymentInput } from "./deployment.inputs.js";
import { DEPLOYMENT_COLUMNS } from "./deployment.loaders.js";
import { type Deployment, toDeployment } from "./deployment.types.js";
import { type ApplyOption, enqueueRun } from "../runs/run-enqueue.js";
import { ServiceEntity } from "./service.entity.js";
import type { ServiceConfigSection } from "./config-section.js";
import { textKey, uuidKey } from "../db/sort-key.js";
import { sql } from "../db/named-sql.js";

const PROVIDER_OF_OPERATOR = sql(
  "deployments.providerOfOperator",
  `SELECT provider_id AS "providerId" FROM operator WHERE id = $1`,
);
const STAGE = sql(
  "deployments.stage",
  `UPDATE deployment SET staged_generation = staged_generation + 1, updated_at = now() WHERE id = $1`,
);
const PLACE_OF_DEPLOYMENT = sql(
  "deployments.placeOfDeployment",
  `SELECT d.operator_id AS "operatorId", o.provider_id AS "providerId"
           FROM deployment d JOIN operator o ON o.id = d.operator_id WHERE d.id = $1`,
);
const PLACE_OF_SERVICE = sql(
  "deployments.placeOfService",
  `SELECT d.operator_id AS "operatorId", o.provider_id AS "providerId"
           FROM service s JOIN deployment d ON d.id = s.deployment_id JOIN operator o ON o.id = d.operator_id
          WHERE s.id = $1`,
);

const DEPLOYMENT_LIST = listSql("deployments.list", "deployment t", DEPLOYMENT_COLUMNS);

/** Deployments and the services in them: every change bumps the staged generation, in one transaction. */
export class DeploymentService {
  constructor(
    private readonly ds: DataSource,
    private readonly sections: readonly ServiceConfigSection[],
  ) {}

  list(
    caller: Caller,
    operatorGlobalId: string | undefined,
    args: PageArgs,
  ): Promise<Connection<Deployment>> {
    const f = restrict(new SqlFilter(), accessOf(caller), Permission.DeploymentRead, "deployment");
    if (operatorGlobalId) {
      f.add((p) => `t.operator_id = ${p}`, expectGlobalId(operatorGlobalId, "Operator", "filter.operatorId"));
    }
    return listPage(dbOf(this.ds), {
      sql: DEPLOYMENT_LIST,
      filter: f,
      order: [textKey("t.name"), uuidKey("t.id")],
      direction: "ASC",
      args,
      map: toDeployment,
      cursorOf: (d) => [d.name, d.uuid],
    });
  }

  create(caller: Caller, input: CreateDeploymentInput): Promise<string> {
    const operatorId = expectGlobalId(input.operatorId, "Operator", "input.operatorId");
    const name = v.slug(input.name, "input.name");
    return inTransaction(this.ds, async (tx) => {
      const [owner] = (await tx.query(PROVIDER_OF_OPERATOR, [operatorId])) as { providerId: string }[];
      if (!owner) throw notFound("Operator", input.operatorId);
      authorize(caller, Permission.DeploymentWrite, {
        kind: "Operator",
        id: input.operatorId,
        operatorId,
        providerId: owner.providerId,
      });
      if (!(await lockOperator(tx, operatorId))) throw notFound("Operator", input.operatorId);
      const saved = await tx.save(tx.create(DeploymentEntity, { operatorId, name }));
      await recordEvent(tx, caller, {
        action: "create",
        targetKind: "deployment",
        targetId: saved.id,
        operatorId,
      });
      return saved.id;
    });
  }

  rename(caller: Caller, globalId: string, newName: string): Promise<string> {
    const id = expectGlobalId(globalId, "Deployment", "id");
    const name = v.slug(newName, "name");
    return this.inDeployment(caller, id, async (tx, d) => {
      if (d.name === name) return id;
      await tx.update(DeploymentEntity, { id }, { name });
      await recordEvent(tx, caller, {
        action: "update",
        targetKind: "deployment",
        targetId: id,
        operatorId: d.operatorId,
        changes: { name: { before: d.name, after: name } },
      });
      return id;
    });
  }

  delete(caller: Caller, globalId: string): Promise<string> {
    const id = expectGlobalId(globalId, "Deployment", "id");
    return this.inDeployment(caller, id, async (tx, d) => {
      await tx.delete(DeploymentEntity, { id });
      await closeDeploymentUsage(tx, id);
      await recordEvent(tx, caller, {
        action: "delete",
        targetKind: "deployment",
        targetId: id,
        operatorId: d.operatorId,
      });
      return id;
    });
  }

  addService(caller: Caller, input: AddServiceInput, opts: ApplyOption = {}): Promise<string> {
    const deploymentId = expectGlobalId(input.deploymentId, "Deployment", "input.deploymentId");
    return this.inDeployment(caller, { id: deploymentId, apply: opts.apply }, async (tx, d, operator) => {
      // The provider's own catalog; a retired type takes no new services (its existing ones keep working).
      // Shared lock: retiring takes the row exclusively, so no service of a just-retired type slips in.
      const type = await tx.findOne(ServiceTypeEntity, {
        where: { providerId: operator.providerId, slug: input.serviceType },
        lock: { mode: "pessimistic_read" },
      });
      if (!type) throw badInput("input.serviceType", `unknown service type ${input.serviceType}`);
      if (type.retiredAt)
        throw badInput("input.serviceType", `the service type ${input.serviceType} is retired`);
      const options = input.options ?? {};
      assertMatchesSchema(CATALOG_SCHEMAS, type.optionsSchema, options, "input.options");
      const values = {
        deploymentId,
        serviceTypeId: type.id,
        enabled: input.enabled,
        domain: domainInZone(input.domain, operator.dnsZone, "input.domain"),
        options,
        blockStorageGib: v.size(
          input.blockStorageGib ?? type.defaultBlockStorageGib,
          "input.blockStorageGib",
        ),
        blobStorageGib: v.size(input.blobStorageGib ?? type.defaultBlobStorageGib, "input.blobStorageGib"),
        vcpus: v.size(input.vcpus ?? type.defaultVcpus, "input.vcpus", 1024),
        memoryGib: v.size(input.memoryGib ?? type.defaultMemoryGib, "input.memoryGib", 65536),
      };
      const saved = await tx.save(tx.create(ServiceEntity, values));
      await this.staged(tx, d);
      await assertWithinQuota(tx, operator.id, quotaAsks(input));
      await syncServiceUsage(tx, [saved.id]);
      await recordEvent(tx, caller, {
        action: "create",
        targetKind: "service",
        targetId: saved.id,
        operatorId: operator.id,
      });
      return saved.id;
    });
  }

  configureService(
    caller: Caller,
    globalId: string,
    input: ConfigureServiceInput,
    opts: ApplyOption = {},
  ): Promise<string> {
    const id = expectGlobalId(globalId, "Service", "id");
    return this.inService(caller, { id, apply: opts.apply }, async (tx, s, operator) => {
      const patch: Partial<ServiceEntity> = {};
      if (input.domain != null) patch.domain = domainInZone(input.domain, operator.dnsZone, "input.domain");
      if (input.options != null) {
        // Shared lock: a new options schema is checked against every service's options under the row's lock.
        const type = await tx.findOneOrFail(ServiceTypeEntity, {
          where: { id: s.serviceTypeId },
          lock: { mode: "pessimistic_read" },
        });
        assertMatchesSchema(CATALOG_SCHEMAS, type.optionsSchema, input.options, "input.options");
        patch.options = input.options;
      }
      if (input.blockStorageGib != null)
        patch.blockStorageGib = v.size(input.blockStorageGib, "input.blockStorageGib");
      if (input.blobStorageGib != null)
        patch.blobStorageGib = v.size(input.blobStorageGib, "input.blobStorageGib");
      if (input.vcpus != null) patch.vcpus = v.size(input.vcpus, "input.vcpus", 1024);
      if (input.memoryGib != null) patch.memoryGib = v.size(input.memoryGib, "input.memoryGib", 65536);
      return this.patchService(tx, caller, s, operator.id, patch, quotaAsks(input));
    });
  }

  setServiceEnabled(
    caller: Caller,
    globalId: string,
    enabled: boolean,
    opts: ApplyOption = {},
  ): Promise<string> {
    const id = expectGlobalId(globalId, "Service", "id");
    return this.inService(caller, { id, apply: opts.apply }, (tx, s, operator) =>
      this.patchService(tx, caller, s, operator.id, { enabled }),
    );
  }

  removeService(caller: Caller, globalId: string, opts: ApplyOption = {}): Promise<string> {
    const id = expectGlobalId(globalId, "Service", "id");
    return this.inService(caller, { id, apply: opts.apply }, async (tx, s, operator) => {
      await tx.delete(ServiceEntity, { id });
      await syncServiceUsage(tx, [id]);
      await this.staged(tx, { id: s.deploymentId });
      await recordEvent(tx, caller, {
        action: "delete",
        targetKind: "service",
        targetId: id,
        operatorId: operator.id,
      });
      return id;
    });
  }

  private async patchService(
    tx: EntityManager,
    caller: Caller,
    before: ServiceEntity,
    operatorId: string,
    patch: Partial<ServiceEntity>,
    asks: QuotaAsks = {},
  ): Promise<string> {
    const changes = changesBetween(before, patch);
    if (Object.keys(changes).length === 0) return before.id;
    await tx.update(ServiceEntity, { id: before.id }, patch);
    await this.staged(tx, { id: before.deploymentId });
    await assertWithinQuota(tx, operatorId, asks);
    await syncServiceUsage(tx, [before.id]);
    await recordEvent(tx, caller, {
      action: "update",
      targetKind: "service",
      targetId: before.id,
      operatorId,
      changes,
    });
    return before.id;
  }

  private async staged(tx: EntityManager, d: { id: string }): Promise<void> {
    await tx.query(STAGE, [d.id]);
  }

  /** Checks deployment:write, locks the owning operator first (the quota lock), then works on the deployment. */
  private inDeployment<T>(
    caller: Caller,
    ref: string | TargetRef,
    work: (tx: EntityManager, d: DeploymentEntity, operator: OperatorEntity) => Promise<T>,
  ): Promise<T> {
    const { id, apply } = targetRef(ref);
    return inTransaction(this.ds, async (tx) => {
      const [found] = (await tx.query(PLACE_OF_DEPLOYMENT, [id])) as {
        operatorId: string;
        providerId: string;
      }[];
      if (!found) throw notFound("Deployment", id);
      authorize(caller, Permission.DeploymentWrite, { kind: "Deployment", id, ...found });
      const operator = await tx.findOne(OperatorEntity, {
        where: { id: found.operatorId },
        lock: { mode: "pessimistic_write" },
      });
      const d = await tx.findOneBy(DeploymentEntity, { id });
      if (!d || !operator) throw notFound("Deployment", id);
      if (!apply) return work(tx, d, operator);
      authorize(caller, Permission.RunApply, { kind: "Deployment", id, ...found });
      const result = await work(tx, d, operator);
      // The run freezes the configuration as this transaction left it: change and run commit together.
      await enqueueRun(tx, caller, { deploymentId: d.id, operatorId: operator.id }, null, this.sections);
      return result;
    });
  }

  private inService<T>(
    caller: Caller,
    ref: string | TargetRef,
    work: (tx: EntityManager, s: ServiceEntity, operator: OperatorEntity) => Promise<T>,
  ): Promise<T> {
    const { id, apply } = targetRef(ref);
    return inTransaction(this.ds, async (tx) => {
      const [owner] = await tx.query(PLACE_OF_SERVICE, [id]);
      if (!owner) throw notFound("Service", id);
      authorize(caller, Permission.DeploymentWrite, { kind: "Service", id, ...owner });
      const operator = await tx.findOne(OperatorEntity, {
        where: { id: owner.operatorId },
        lock: { mode: "pessimistic_write" },
      });
      const s = await tx.findOneBy(ServiceEntity, { id });
      if (!s || !operator) throw notFound("Service", id);
      if (!apply) return work(tx, s, operator);
      authorize(caller, Permission.RunApply, { kind: "Service", id, ...owner });
      const result = await work(tx, s, operator);
      await enqueueRun(
        tx,
        caller,
        { deploymentId: s.deploymentId, operatorId: operator.id },
        null,
        this.sections,
      );
      return result;
    });
  }
}

/** The row a change is about; apply: true also enqueues a run of the result, in the same transaction. */
type TargetRef = { id: string; apply?: boolean };

const targetRef = (ref: string | TargetRef): Required<TargetRef> =>
  typeof ref === "string" ? { id: ref, apply: false } : { id: ref.id, apply: ref.apply ?? false };

function domainInZone(value: string, zone: string, field: string): string {
  const domain = v.dnsName(value, field);
  if (!v.isInZone(domain, zone))
    throw badInput(field, `${field} must lie inside the operator's DNS zone ${zone}`);
  return domain;
}

type Sizes = {
  blockStorageGib?: number | null;
  blobStorageGib?: number | null;
  vcpus?: number | null;
  memoryGib?: number | null;
};

/** The sizes a service input gives, as the fields a quota refusal names (the larger of two storage sizes). */
function quotaAsks(input: Sizes): QuotaAsks {
  const given = (k: keyof Sizes) => (input[k] != null ? `input.${k}` : undefined);
  const storage =
    input.blobStorageGib != null && (input.blockStorageGib ?? -1) <= input.blobStorageGib
      ? "input.blobStorageGib"
      : given("blockStorageGib");
  return { storageGib: storage, vcpus: given("vcpus"), memoryGib: given("memoryGib") };
}
