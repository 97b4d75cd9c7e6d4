import type { DataSource, EntityManager } from "typeorm";
import { changesBetween, recordEvent } from "../accounting/record-event.js";
import { authorize } from "../authz/denied.js";
import { Permission } from "../authz/permissions.js";
import type { Caller } from "../common/caller.js";
import { badInput, notFound } from "../common/errors.js";
import { expectGlobalId } from "../common/global-id.js";
import * as v from "../common/validate.js";
import { sql } from "../db/named-sql.js";
import { inTransaction } from "../db/transaction.js";
import { CoreServiceEntity } from "./core-service.entity.js";
import type { CoreServiceInput, ResourceProviderInput } from "./provider-components.inputs.js";
import { ProviderEntity } from "./provider.entity.js";
import { ResourceProviderEntity } from "./resource-provider.entity.js";

const RESOURCE_PROVIDER = sql(
  "providers.resourceProvider.byId",
  `SELECT provider_id AS "providerId" FROM resource_provider WHERE id = $1`,
);
const CORE_SERVICE = sql(
  "providers.coreService.byId",
  `SELECT provider_id AS "providerId" FROM core_service WHERE id = $1`,
);

type Component = {
  entity: typeof ResourceProviderEntity | typeof CoreServiceEntity;
  kind: "ResourceProvider" | "CoreService";
  /** Its accounting events' target kind. */
  target: { targetKind: "resource_provider" | "core_service" };
};
const RP: Component = {
  entity: ResourceProviderEntity,
  kind: "ResourceProvider",
  target: { targetKind: "resource_provider" },
};
const CS: Component = {
  entity: CoreServiceEntity,
  kind: "CoreService",
  target: { targetKind: "core_service" },
};

/**
 * What a provider plugs into NixOps4 (its resource providers) and the systems its deployments register with
 * (its core services): the parts of deployment.json that come from the provider, set by its admins.
 */
export class ProviderComponentsService {
  constructor(private readonly ds: DataSource) {}

  /** Adds the implementation of a component type, or replaces its settings; returns the provider's id. */
  setResourceProvider(caller: Caller, providerGid: string, input: ResourceProviderInput): Promise<string> {
    const values = {
      componentType: input.componentType,
      implementation: v.slug(input.implementation, "input.implementation"),
      settings: input.settings ?? {},
    };
    const key = { componentType: values.componentType, implementation: values.implementation };
    return this.upsert(caller, providerGid, RP, key, values);
  }

  /** Adds a core service, or replaces its endpoint and settings; returns the provider's id. */
  setCoreService(caller: Caller, providerGid: string, input: CoreServiceInput): Promise<string> {
    const values = {
      kind: input.kind,
      name: v.name(input.name, "input.name"),
      endpoint: endpoint(input.kind, input.endpoint),
      settings: input.settings ?? {},
    };
    return this.upsert(caller, providerGid, CS, { kind: values.kind, name: values.name }, values);
  }

  removeResourceProvider(caller: Caller, gid: string): Promise<string> {
    return this.remove(caller, gid, RP, RESOURCE_PROVIDER);
  }

  removeCoreService(caller: Caller, gid: string): Promise<string> {
    return this.remove(caller, gid, CS, CORE_SERVICE);
  }

  private upsert(
    caller: Caller,
    providerGid: string,
    c: Component,
    key: Record<string, string>,
    values: Record<string, unknown>,
  ): Promise<string> {
    const providerId = expectGlobalId(providerGid, "Provider", "providerId");
    authorizeManage(caller, providerGid, providerId);
    return inTransaction(this.ds, async (tx) => {
      // The provider's row lock: two admins setting the same component one after the other, never both inserting.
      await lockProvider(tx, providerId, providerGid);
      const before = await tx.findOneBy(c.entity, { providerId, ...key });
      if (before) {
        const changes = changesBetween(before, values);
        if (Object.keys(changes).length === 0) return providerId;
        await tx.update(c.entity, { id: before.id }, values);
        await record(tx, caller, c, "update", before.id, changes);
      } else {
        const saved = await tx.save(tx.create(c.entity, { providerId, ...values }));
        await record(tx, caller, c, "create", saved.id);
      }
      return providerId;
    });
  }

  private remove(caller: Caller, gid: string, c: Component, find: string): Promise<string> {
    const id = expectGlobalId(gid, c.kind, "id");
    return inTransaction(this.ds, async (tx) => {
      const [row] = (await tx.query(find, [id])) as { providerId: string }[];
      if (!row) throw notFound(c.kind, gid);
      authorizeManage(caller, gid, row.providerId);
      await lockProvider(tx, row.providerId, gid);
      await tx.delete(c.entity, { id });
      await record(tx, caller, c, "delete", id);
      return row.providerId;
    });
  }
}

/** A core service's endpoint: a URL; the mail relay as smtp://host[:port], which the Nix library reads. */
function endpoint(kind: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badInput("input.endpoint", "endpoint must be a URL");
  }
  if (url.username || url.password)
    throw badInput(
      "input.endpoint",
      "endpoint must hold no credentials (they belong in the secrets service)",
    );
  if (kind === "mail" && !/^smtp:\/\/[^/:?#@]+(:\d{1,5})?$/.test(value))
    throw badInput("input.endpoint", "a mail relay's endpoint is smtp://host[:port]");
  return value;
}

function authorizeManage(caller: Caller, id: string, providerId: string): void {
  authorize(caller, Permission.ProviderManage, { kind: "Provider", id, providerId, operatorId: null });
}

async function lockProvider(tx: EntityManager, providerId: string, gid: string): Promise<void> {
  const p = await tx.findOne(ProviderEntity, {
    where: { id: providerId },
    lock: { mode: "pessimistic_write" },
  });
  if (!p) throw notFound("Provider", gid);
}

function record(
  tx: EntityManager,
  caller: Caller,
  c: Component,
  action: "create" | "update" | "delete",
  id: string,
  changes?: ReturnType<typeof changesBetween>,
): Promise<void> {
  return recordEvent(tx, caller, { action, ...c.target, targetId: id, operatorId: null, changes });
}
