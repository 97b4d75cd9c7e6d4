import type { DataSource, EntityManager } from "typeorm";
import { recordEvent } from "../accounting/record-event.js";
import { accessOf, authorize } from "../authz/denied.js";
import { Permission } from "../authz/permissions.js";
import { restrict } from "../authz/scope-sql.js";
import { DomainError, badInput, conflict, notFound } from "../common/errors.js";
import { expectGlobalId, toGlobalId } from "../common/global-id.js";
import { dbOf } from "../db/db.js";
import { SqlFilter, listPage, listSql } from "../db/list-page.js";
import { inTransaction } from "../db/transaction.js";
import type { Connection, PageArgs } from "../api/connection.js";
import type { Caller } from "../common/caller.js";
import { NETBOX_KINDS, type NetboxKind } from "./kinds.js";
import { NetboxError, type NetboxListKind, tokenFormat } from "./netbox-client.js";
import { type NetboxConfig, loadNetboxConfig } from "./netbox-config.js";
import { type ClientSettings, clientFor, sealContext, unseal } from "./netbox-connection.js";
import {
  CONNECTION_COLUMNS,
  type StoredConnection,
  connectionChanges,
  toConnectionView,
  validCa,
  validKinds,
  validToken,
  validUrl,
} from "./netbox-settings.js";
import type { NetboxConnectionInput, NetboxObjectFilter } from "./netbox.inputs.js";
import { NETBOX_OBJECT_COLUMNS, SYNC_RUN_COLUMNS } from "./netbox.loaders.js";
import { type NetboxObjectRow, toNetboxObject } from "./netbox.types.js";
import {
  type NetboxSyncModeValue,
  type NetboxSyncRun,
  type NetboxSyncStateValue,
  toNetboxSyncRun,
} from "./sync-run.types.js";
import {
  type NetboxConnection,
  type NetboxConnectionTest,
  type NetboxTenantMapping,
  NetboxTokenFormatValue,
} from "./connection.types.js";
import { objectFilter } from "./object-filter.js";
import { enqueueSync } from "./sync-runner.js";
import { integerKey } from "../db/sort-key.js";
import { sql } from "../db/named-sql.js";

/** Whose objects a read may return: everything, or the objects of these operators' tenants. */
export type OperatorScope = "all" | ReadonlySet<string>;

/**
 * The operators whose tenants' objects of this provider's mirror a caller may read with netbox:read: "all"
 * with the permission for the provider (or installation-wide), else the operators it holds it for. A
 * caller without an Access may read nothing, as everywhere else (accessOf); background work everything.
 */
function readScope(caller: Caller, providerId: string): OperatorScope {
  const access = accessOf(caller);
  if (access.allows(Permission.NetboxRead, { providerId, operatorId: null })) return "all";
  const reach = access.reach(Permission.NetboxRead);
  return reach === "all" ? "all" : reach.operators;
}

/** One operator's tenants only, whatever else the caller may read; nothing without netbox:read for it. */
const operatorScope = (caller: Caller, place: { providerId: string; operatorId: string }): OperatorScope =>
  new Set(accessOf(caller).allows(Permission.NetboxRead, place) ? [place.operatorId] : []);

/** Takes the provider's sync lock for this transaction; false while a sync of the provider runs. */
const SYNC_IDLE = sql(
  "netbox.syncIdle",
  `SELECT pg_try_advisory_xact_lock(hashtextextended('fedicentral.netbox-sync:' || $1::text, 0)) AS idle`,
);

const VIEW = sql(
  "netbox.connection.view",
  `SELECT ${CONNECTION_COLUMNS} FROM netbox_connection c JOIN provider p ON p.id = c.provider_id
        WHERE c.provider_id = $1`,
);
const LOCK_PROVIDER = sql(
  "netbox.connection.lockProvider",
  `SELECT id FROM provider WHERE id = $1 FOR UPDATE`,
);
const STORED = sql(
  "netbox.connection.stored",
  `SELECT url, token_sealed AS "tokenSealed", token_hint AS "tokenHint", token_format AS "tokenFormat",
                tls_verify AS "tlsVerify", ca_certificate AS "caCertificate", kinds,
                match_tenants_by_slug AS "matchTenantsBySlug", webhook_secret_sealed AS "webhookSecretSealed",
                schedule_enabled AS "scheduleEnabled", incremental_interval_seconds AS "incrementalIntervalSeconds",
                full_interval_seconds AS "fullIntervalSeconds"
           FROM netbox_connection WHERE provider_id = $1 FOR UPDATE`,
);
const UPSERT = sql(
  "netbox.connection.upsert",
  `INSERT INTO netbox_connection (provider_id, url, token_sealed, token_format, token_hint, tls_verify,
           ca_certificate, kinds, match_tenants_by_slug, webhook_secret_sealed, schedule_enabled,
           incremental_interval_seconds, full_interval_seconds)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (provider_id) DO UPDATE SET url = $2, token_sealed = $3, token_format = $4, token_hint = $5,
           tls_verify = $6, ca_certificate = $7, kinds = $8, match_tenants_by_slug = $9,
           webhook_secret_sealed = $10, schedule_enabled = $11, incremental_interval_seconds = $12,
           full_interval_seconds = $13, updated_at = now(),
           last_change_id = CASE WHEN $14 THEN NULL ELSE netbox_connection.last_change_id END,
           last_change_time = CASE WHEN $14 THEN NULL ELSE netbox_connection.last_change_time END`,
);
const DROP_KINDS = sql(
  "netbox.connection.dropKinds",
  `DELETE FROM netbox_object WHERE provider_id = $1 AND kind = ANY($2::text[])`,
);
const CONNECTION_DELETE = sql(
  "netbox.connection.delete",
  `DELETE FROM netbox_connection WHERE provider_id = $1 RETURNING provider_id`,
);
const DELETE_OBJECTS = sql(
  "netbox.connection.deleteObjects",
  `DELETE FROM netbox_object WHERE provider_id = $1`,
);
const DELETE_MAPPINGS = sql(
  "netbox.connection.deleteMappings",
  `DELETE FROM netbox_tenant_mapping WHERE provider_id = $1`,
);
const FAIL_SYNCS = sql(
  "netbox.connection.failSyncs",
  `UPDATE netbox_sync_run SET state = 'failed', finished_at = now(), reason = 'the NetBox connection was removed'
          WHERE provider_id = $1 AND state = 'queued'`,
);
const FOR_TEST = sql(
  "netbox.connection.forTest",
  `SELECT url, token_sealed AS "tokenSealed", tls_verify AS "tlsVerify", ca_certificate AS "caCertificate", kinds
         FROM netbox_connection WHERE provider_id = $1`,
);
const OPERATOR_OF_PROVIDER = sql(
  "netbox.tenantMapping.operatorOfProvider",
  `SELECT 1 FROM operator WHERE id = $1 AND provider_id = $2`,
);
const GET = sql(
  "netbox.tenantMapping.get",
  `SELECT operator_id AS "operatorId" FROM netbox_tenant_mapping WHERE provider_id = $1 AND netbox_tenant_id = $2`,
);
const TENANT_MAPPING_UPSERT = sql(
  "netbox.tenantMapping.upsert",
  `INSERT INTO netbox_tenant_mapping (provider_id, netbox_tenant_id, operator_id) VALUES ($1, $2, $3)
         ON CONFLICT (provider_id, netbox_tenant_id) DO UPDATE SET operator_id = $3`,
);
const TENANT_MAPPING_DELETE = sql(
  "netbox.tenantMapping.delete",
  `DELETE FROM netbox_tenant_mapping WHERE provider_id = $1 AND netbox_tenant_id = $2
         RETURNING operator_id AS "operatorId"`,
);
const LIST = sql(
  "netbox.tenantMapping.list",
  `SELECT provider_id AS "providerUuid", netbox_tenant_id AS "netboxTenantId", operator_id AS "operatorUuid"
         FROM netbox_tenant_mapping WHERE provider_id = $1 ORDER BY netbox_tenant_id`,
);
const CONNECTION_EXISTS = sql(
  "netbox.connection.exists",
  `SELECT 1 FROM netbox_connection WHERE provider_id = $1`,
);
const ACTIVE = sql(
  "netbox.sync.active",
  `SELECT id, state FROM netbox_sync_run WHERE provider_id = $1 AND state IN ('queued', 'running')`,
);

const SYNC_RUN_LIST = listSql("netbox.syncRuns", "netbox_sync_run t", SYNC_RUN_COLUMNS);
const OBJECT_LIST = listSql("netbox.objects", "netbox_object t", NETBOX_OBJECT_COLUMNS);

/** NetBox connections, sync requests and the mirror's read side. The worker (netbox-worker.ts) syncs. */
export class NetboxService {
  private readonly config: NetboxConfig;

  constructor(
    private readonly ds: DataSource,
    config?: NetboxConfig,
  ) {
    this.config = config ?? loadNetboxConfig();
  }

  /** The provider's connection: for its staff (netbox:read for the provider); null for anyone else. */
  async connection(caller: Caller, providerGlobalId: string): Promise<NetboxConnection | null> {
    const providerId = expectGlobalId(providerGlobalId, "Provider", "providerId");
    if (!this.mayReadProvider(caller, providerId)) return null;
    const [row] = await dbOf(this.ds).query(VIEW, [providerId]);
    return row ? toConnectionView(row) : null;
  }

  setConnection(caller: Caller, providerGlobalId: string, input: NetboxConnectionInput): Promise<string> {
    const providerId = expectGlobalId(providerGlobalId, "Provider", "providerId");
    authorizeProvider(caller, Permission.NetboxManage, providerGlobalId, providerId);
    const url = validUrl(input.url);
    const token = input.token === undefined || input.token === null ? null : validToken(input.token);
    const kinds = input.kinds ? validKinds(input.kinds) : null;
    const ca =
      input.caCertificate === undefined || input.caCertificate === null
        ? undefined
        : validCa(input.caCertificate);
    const schedule = input.schedule ?? {};
    for (const [field, min] of [
      ["incrementalIntervalSeconds", 30],
      ["fullIntervalSeconds", 300],
    ] as const) {
      const v = schedule[field];
      if (v !== undefined && v !== null && (!Number.isInteger(v) || v < min || v > 366 * 86_400)) {
        throw badInput(
          `input.schedule.${field}`,
          `${field} must be between ${min} and ${366 * 86_400} seconds`,
        );
      }
    }
    const webhookSecret = input.webhookSecret;
    if (webhookSecret && (webhookSecret.length > 1024 || /\s/.test(webhookSecret))) {
      throw badInput("input.webhookSecret", "the webhook secret must be one word of at most 1024 characters");
    }
    const box = this.config.secretBox;
    if (!box && (token !== null || webhookSecret)) {
      throw new DomainError(
        "NOT_CONFIGURED",
        "NETBOX_SECRET_KEY is not set on the server: NetBox tokens cannot be stored",
      );
    }
    return inTransaction(this.ds, async (tx) => {
      const db = dbOf(tx);
      const [provider] = await db.query(LOCK_PROVIDER, [providerId]);
      if (!provider) throw notFound("Provider", providerGlobalId);
      const [before] = await db.query<StoredConnection>(STORED, [providerId]);
      if (!before && token === null)
        throw badInput("input.token", "a token is required for a new connection");
      const next: StoredConnection = {
        url,
        tokenSealed:
          token !== null ? box!.seal(token, sealContext("token", providerId)) : before!.tokenSealed,
        tokenHint: token !== null ? token.slice(-4) : before!.tokenHint,
        tokenFormat: token !== null ? tokenFormat(token) : before!.tokenFormat,
        tlsVerify: input.tlsVerify ?? before?.tlsVerify ?? true,
        caCertificate: ca === undefined ? (before?.caCertificate ?? null) : ca,
        kinds: kinds ?? before?.kinds ?? [...NETBOX_KINDS],
        matchTenantsBySlug: input.matchTenantsBySlug ?? before?.matchTenantsBySlug ?? true,
        webhookSecretSealed:
          webhookSecret === undefined || webhookSecret === null
            ? (before?.webhookSecretSealed ?? null)
            : webhookSecret === ""
              ? null
              : box!.seal(webhookSecret, sealContext("webhook_secret", providerId)),
        scheduleEnabled: schedule.enabled ?? before?.scheduleEnabled ?? true,
        incrementalIntervalSeconds:
          schedule.incrementalIntervalSeconds ?? before?.incrementalIntervalSeconds ?? 300,
        fullIntervalSeconds: schedule.fullIntervalSeconds ?? before?.fullIntervalSeconds ?? 86_400,
      };
      const otherNetbox = before !== undefined && before.url !== next.url;
      const droppedKinds = (before?.kinds ?? []).filter((k) => !next.kinds.includes(k));
      // Another NetBox's changelog ids mean nothing here, and a kind new to the mirror is not in the
      // changelog since the watermark: either way the next sync must list everything.
      const restart = otherNetbox || next.kinds.some((k) => !(before?.kinds ?? next.kinds).includes(k));
      if (otherNetbox || droppedKinds.length > 0) {
        // A running sync would write back what this change removes.
        const [lock] = await db.query<{ idle: boolean }>(SYNC_IDLE, [providerId]);
        if (!lock?.idle)
          throw conflict("providerId", "a NetBox sync of this provider is running; try again when it ended");
      }
      const values = [
        providerId,
        next.url,
        next.tokenSealed,
        next.tokenFormat,
        next.tokenHint,
        next.tlsVerify,
        next.caCertificate,
        next.kinds,
        next.matchTenantsBySlug,
        next.webhookSecretSealed,
        next.scheduleEnabled,
        next.incrementalIntervalSeconds,
        next.fullIntervalSeconds,
        restart,
      ];
      await db.query(UPSERT, values);
      if (droppedKinds.length > 0) {
        await db.query(DROP_KINDS, [providerId, droppedKinds]);
      }
      await recordEvent(tx, caller, {
        action: before ? "update" : "create",
        targetKind: "netbox-connection",
        targetId: providerId,
        operatorId: null,
        changes: connectionChanges(before, next),
      });
      return providerId;
    });
  }

  removeConnection(caller: Caller, providerGlobalId: string): Promise<string> {
    const providerId = expectGlobalId(providerGlobalId, "Provider", "providerId");
    authorizeProvider(caller, Permission.NetboxManage, providerGlobalId, providerId);
    return inTransaction(this.ds, async (tx) => {
      const db = dbOf(tx);
      const [lock] = await db.query<{ idle: boolean }>(SYNC_IDLE, [providerId]);
      if (!lock?.idle)
        throw conflict("providerId", "a NetBox sync of this provider is running; try again when it ended");
      const gone = await db.query(CONNECTION_DELETE, [providerId]);
      if (gone.length === 0) throw notFound("NetboxConnection", providerGlobalId);
      await db.query(DELETE_OBJECTS, [providerId]);
      await db.query(DELETE_MAPPINGS, [providerId]);
      await db.query(FAIL_SYNCS, [providerId]);
      await recordEvent(tx, caller, {
        action: "delete",
        targetKind: "netbox-connection",
        targetId: providerId,
        operatorId: null,
      });
      return providerId;
    });
  }

  /** Asks NetBox for its version and whether the token can read each kind; nothing is stored. */
  async testConnection(
    caller: Caller,
    providerGlobalId: string,
    input: NetboxConnectionInput | undefined,
  ): Promise<NetboxConnectionTest> {
    const providerId = expectGlobalId(providerGlobalId, "Provider", "providerId");
    authorizeProvider(caller, Permission.NetboxManage, providerGlobalId, providerId);
    const [stored] = await dbOf(this.ds).query<StoredConnection>(FOR_TEST, [providerId]);
    if (!stored && !input) throw notFound("NetboxConnection", providerGlobalId);
    let token: string;
    if (input?.token) token = validToken(input.token);
    else if (stored) {
      try {
        token = unseal(this.config.secretBox, stored.tokenSealed, sealContext("token", providerId));
      } catch (e) {
        throw new DomainError("NOT_CONFIGURED", (e as Error).message);
      }
    } else throw badInput("input.token", "a token is required to test a new connection");
    const settings: ClientSettings = {
      url: input ? validUrl(input.url) : stored!.url,
      token,
      tlsVerify: input?.tlsVerify ?? stored?.tlsVerify ?? true,
      caCertificate: input?.caCertificate ? validCa(input.caCertificate) : (stored?.caCertificate ?? null),
    };
    const kinds = input?.kinds ? validKinds(input.kinds) : ((stored?.kinds ?? NETBOX_KINDS) as NetboxKind[]);
    // A person is waiting: fail fast rather than retry for minutes.
    const client = clientFor(settings, {
      timeoutMs: Math.min(this.config.timeoutMs, 15_000),
      retries: Math.min(this.config.retries, 1),
      backoffMs: Math.min(this.config.backoffMs, 500),
    });
    const format = tokenFormat(token) === "v2" ? NetboxTokenFormatValue.V2 : NetboxTokenFormatValue.V1;
    try {
      const status = await client.status();
      const checks = await Promise.all(
        [...kinds, "object-changes" as const].map(async (kind: NetboxListKind) => {
          try {
            const readable = await client.canRead(kind);
            return { kind, readable, error: readable ? null : `token cannot read ${kind}` };
          } catch (e) {
            return { kind, readable: false, error: (e as Error).message };
          }
        }),
      );
      const warnings = [...status.warnings];
      if (!checks.find((c) => c.kind === "object-changes")?.readable) {
        warnings.push(
          "the token cannot read the changelog (core.view_objectchange): incremental syncs will fail",
        );
      }
      const unreadable = checks.filter((c) => c.kind !== "object-changes" && !c.readable);
      return {
        ok: unreadable.length === 0,
        error: unreadable.length ? unreadable.map((c) => c.error).join("; ") : null,
        netboxVersion: status.netboxVersion,
        apiVersion: status.apiVersion,
        tokenFormat: format,
        warnings,
        kinds: checks,
      };
    } catch (e) {
      if (!(e instanceof NetboxError)) throw e;
      return {
        ok: false,
        error: e.message,
        netboxVersion: null,
        apiVersion: null,
        tokenFormat: format,
        warnings: [],
        kinds: [],
      };
    } finally {
      await client.close();
    }
  }

  setTenantMapping(
    caller: Caller,
    providerGlobalId: string,
    netboxTenantId: number,
    operatorGlobalId: string | null,
  ): Promise<string> {
    const providerId = expectGlobalId(providerGlobalId, "Provider", "providerId");
    authorizeProvider(caller, Permission.NetboxManage, providerGlobalId, providerId);
    const operatorId = operatorGlobalId ? expectGlobalId(operatorGlobalId, "Operator", "operatorId") : null;
    if (!Number.isInteger(netboxTenantId) || netboxTenantId <= 0) {
      throw badInput("netboxTenantId", "netboxTenantId must be a NetBox id");
    }
    return inTransaction(this.ds, async (tx) => {
      const db = dbOf(tx);
      await this.requireConnection(tx, providerId, providerGlobalId);
      if (operatorId) {
        const [op] = await db.query(OPERATOR_OF_PROVIDER, [operatorId, providerId]);
        if (!op) throw badInput("operatorId", "the operator is not one of this provider's");
      }
      const [before] = await db.query<{ operatorId: string | null }>(GET, [providerId, netboxTenantId]);
      await db.query(TENANT_MAPPING_UPSERT, [providerId, netboxTenantId, operatorId]);
      await recordEvent(tx, caller, {
        action: "update",
        targetKind: "netbox-tenant-mapping",
        targetId: `${providerId}:${netboxTenantId}`,
        operatorId,
        changes: { operatorId: { before: before?.operatorId ?? null, after: operatorId } },
      });
      return providerId;
    });
  }

  removeTenantMapping(caller: Caller, providerGlobalId: string, netboxTenantId: number): Promise<string> {
    const providerId = expectGlobalId(providerGlobalId, "Provider", "providerId");
    authorizeProvider(caller, Permission.NetboxManage, providerGlobalId, providerId);
    return inTransaction(this.ds, async (tx) => {
      const gone = await dbOf(tx).query<{ operatorId: string | null }>(TENANT_MAPPING_DELETE, [
        providerId,
        netboxTenantId,
      ]);
      if (gone.length === 0) throw notFound("NetboxTenantMapping");
      await recordEvent(tx, caller, {
        action: "delete",
        targetKind: "netbox-tenant-mapping",
        targetId: `${providerId}:${netboxTenantId}`,
        operatorId: gone[0]!.operatorId,
      });
      return providerId;
    });
  }

  async tenantMappings(providerUuid: string): Promise<NetboxTenantMapping[]> {
    return dbOf(this.ds).query<NetboxTenantMapping>(LIST, [providerUuid]);
  }

  /** Queues a sync; the worker of some server process picks it up within its poll interval. */
  async requestSync(caller: Caller, providerGlobalId: string, mode: NetboxSyncModeValue): Promise<string> {
    const providerId = expectGlobalId(providerGlobalId, "Provider", "providerId");
    authorizeProvider(caller, Permission.NetboxSync, providerGlobalId, providerId);
    const [conn] = await dbOf(this.ds).query(CONNECTION_EXISTS, [providerId]);
    if (!conn) throw notFound("NetboxConnection", providerGlobalId);
    const id = await enqueueSync(this.ds, caller, providerId, mode, "manual");
    if (id) return id;
    const [active] = await dbOf(this.ds).query<{ id: string; state: string }>(ACTIVE, [providerId]);
    throw new DomainError(
      "CONFLICT",
      `a NetBox sync of this provider is ${active?.state ?? "queued"} already`,
      {
        field: "providerId",
        syncRunId: active ? toGlobalId("NetboxSyncRun", active.id) : null,
      },
    );
  }

  /** Sync runs of the providers whose staff the caller is (netbox:read for the provider). */
  listRuns(
    caller: Caller,
    providerGlobalId: string | undefined,
    filter: { mode?: NetboxSyncModeValue; state?: NetboxSyncStateValue } | undefined,
    args: PageArgs,
  ): Promise<Connection<NetboxSyncRun>> {
    const f = new SqlFilter();
    if (providerGlobalId)
      f.add((p) => `t.provider_id = ${p}`, expectGlobalId(providerGlobalId, "Provider", "providerId"));
    if (filter?.mode) f.add((p) => `t.mode = ${p}`, filter.mode);
    if (filter?.state) f.add((p) => `t.state = ${p}`, filter.state);
    restrict(f, accessOf(caller), Permission.NetboxRead, "netbox_sync_run");
    return listPage(dbOf(this.ds), {
      sql: SYNC_RUN_LIST,
      filter: f,
      order: [integerKey("t.seq")],
      direction: "DESC",
      args,
      map: toNetboxSyncRun,
      cursorOf: (r) => [r.seq],
    });
  }

  /** Whether the caller may read the provider's own NetBox data (connection, sync runs): its staff. */
  mayReadProvider(caller: Caller, providerId: string): boolean {
    return readScope(caller, providerId) === "all";
  }

  /**
   * Whether the caller may read one mirrored object: the provider's staff may, operators only the objects
   * of their tenants. `operatorOfTenant` is the request's batched lookup (netbox_tenant_operator).
   */
  async mayReadObject(
    caller: Caller,
    obj: NetboxObjectRow,
    operatorOfTenant: (tenant: { providerId: string; tenantId: number }) => Promise<string | null>,
  ): Promise<boolean> {
    const scope = readScope(caller, obj.providerId);
    if (scope === "all") return true;
    const tenantId = obj.kind === "tenants" ? obj.netboxId : obj.tenantId;
    if (tenantId === null) return false;
    const operatorId = await operatorOfTenant({ providerId: obj.providerId, tenantId });
    return operatorId !== null && scope.has(operatorId);
  }

  /**
   * One page of the mirror, in NetBox id order, of the objects the caller may read (mayReadObject);
   * `operatorId` narrows it to that operator's tenants' objects.
   */
  listObjects(
    caller: Caller,
    where: { providerId: string; kind: NetboxKind; vrf?: number | null; operatorId?: string },
    filter: NetboxObjectFilter | undefined,
    args: PageArgs,
  ): Promise<Connection<NetboxObjectRow>> {
    const f = objectFilter(where.providerId, where.kind, filter ?? {});
    // A prefix's addresses are those in its own VRF (null: the global table), as NetBox counts them.
    if (where.vrf !== undefined) f.add((p) => `t.vrf_id IS NOT DISTINCT FROM ${p}::integer`, where.vrf);
    const scope = where.operatorId
      ? operatorScope(caller, { providerId: where.providerId, operatorId: where.operatorId })
      : readScope(caller, where.providerId);
    if (scope !== "all") {
      const tenantColumn = where.kind === "tenants" ? "t.netbox_id" : "t.tenant_id";
      f.add(
        (p) => `EXISTS (SELECT 1 FROM netbox_tenant_operator l WHERE l.provider_id = t.provider_id
                  AND l.netbox_tenant_id = ${tenantColumn} AND l.operator_id = ANY(${p}::uuid[]))`,
        [...scope],
      );
    }
    return listPage(dbOf(this.ds), {
      sql: OBJECT_LIST,
      filter: f,
      order: [integerKey("t.netbox_id")],
      direction: "ASC",
      args,
      map: toNetboxObject,
      cursorOf: (o) => [o.netboxId],
    });
  }

  private async requireConnection(tx: EntityManager, providerId: string, globalId: string): Promise<void> {
    const [conn] = await dbOf(tx).query(CONNECTION_EXISTS, [providerId]);
    if (!conn) throw notFound("NetboxConnection", globalId);
  }
}

/** The permission for the provider's own NetBox (another provider's looks missing). */
function authorizeProvider(
  caller: Caller,
  permission: Permission,
  globalId: string,
  providerId: string,
): void {
  authorize(caller, permission, { kind: "Provider", id: globalId, providerId, operatorId: null });
}
