import DataLoader from "dataloader";
import { byIdLoader, byIdSql } from "../db/batch.js";
import type { Db } from "../db/db.js";
import { isoTime } from "../db/sql.js";
import type { NetboxKind } from "./kinds.js";
import { type NetboxObjectRow, toNetboxObject } from "./netbox.types.js";
import { toNetboxSyncRun } from "./sync-run.types.js";
import { sql } from "../db/named-sql.js";

/** Every typed column of a mirrored object; `raw` is loaded on its own, only when asked for. */
export const NETBOX_OBJECT_COLUMNS = `t.id, t.provider_id AS "providerId", t.kind, t.netbox_id AS "netboxId",
  t.name, t.slug, t.display, t.status, t.role, t.tenant_id AS "tenantId", t.site_id AS "siteId",
  t.rack_id AS "rackId", t.device_id AS "deviceId", t.cluster_id AS "clusterId",
  t.virtual_machine_id AS "virtualMachineId", t.vrf_id AS "vrfId", t.vid, t.address::text AS address,
  t.prefix::text AS prefix, t.custom_fields AS "customFields", ${isoTime("t.netbox_last_updated")} AS "lastUpdated",
  ${isoTime("t.synced_at")} AS "syncedAt", ${isoTime("t.deleted_at")} AS "deletedAt"`;

export const SYNC_RUN_COLUMNS = `t.id, t.seq, t.provider_id AS "providerId", t.mode, t.trigger, t.state,
  ${isoTime("t.queued_at")} AS "queuedAt", ${isoTime("t.started_at")} AS "startedAt",
  ${isoTime("t.finished_at")} AS "finishedAt", t.pages, t.created, t.updated, t.deleted, t.unchanged,
  t.skipped, t.kind_counts AS "kindCounts", t.issues, t.progress, t.reason,
  t.watermark_before AS "watermarkBefore", t.watermark_after AS "watermarkAfter",
  t.netbox_version AS "netboxVersion", t.initiator, t.request_id AS "requestId"`;

/** A mirrored object by what NetBox calls it: provider, kind and NetBox id. */
export type NetboxRef = { providerId: string; kind: NetboxKind; netboxId: number };

const OBJECT_BY_ID = byIdSql("netbox.objectById", `SELECT ${NETBOX_OBJECT_COLUMNS} FROM netbox_object t`);
const OBJECT_BY_KEY = sql(
  "netbox.objectByKey",
  `SELECT ${NETBOX_OBJECT_COLUMNS} FROM netbox_object t
             JOIN unnest($1::uuid[], $2::text[], $3::integer[]) AS k(p, kind, n)
               ON t.provider_id = k.p AND t.kind = k.kind AND t.netbox_id = k.n
            WHERE t.deleted_at IS NULL`,
);
const RAW_BY_ID = byIdSql("netbox.rawById", `SELECT t.id, t.raw FROM netbox_object t`);
const SYNC_RUN_BY_ID = byIdSql("netbox.syncRunById", `SELECT ${SYNC_RUN_COLUMNS} FROM netbox_sync_run t`);
const TENANT_MAPPING_BY_KEY = sql(
  "netbox.tenantMappingByKey",
  `SELECT l.provider_id AS p, l.netbox_tenant_id AS n, l.operator_id AS "operatorId"
             FROM netbox_tenant_operator l
             JOIN unnest($1::uuid[], $2::integer[]) AS k(p, n) ON l.provider_id = k.p AND l.netbox_tenant_id = k.n`,
);

export function createNetboxLoaders(db: Db) {
  return {
    netboxObjectById: byIdLoader(db, OBJECT_BY_ID, toNetboxObject),
    /** Live objects only: a relation to something NetBox deleted resolves to null. */
    netboxObjectByRef: new DataLoader<NetboxRef, NetboxObjectRow | null, string>(
      async (refs) => {
        const rows = await db.query(OBJECT_BY_KEY, [
          refs.map((r) => r.providerId),
          refs.map((r) => r.kind),
          refs.map((r) => r.netboxId),
        ]);
        const found = new Map(
          rows.map((r) => [`${r.providerId}|${r.kind}|${r.netboxId}`, toNetboxObject(r)]),
        );
        return refs.map((r) => found.get(refKey(r)) ?? null);
      },
      { cacheKeyFn: refKey },
    ),
    netboxRawById: byIdLoader(db, RAW_BY_ID, (r) => r.raw as object),
    netboxSyncRunById: byIdLoader(db, SYNC_RUN_BY_ID, toNetboxSyncRun),
    /** The operator (uuid) a NetBox tenant belongs to, through netbox_tenant_operator. */
    netboxOperatorOfTenant: new DataLoader<{ providerId: string; tenantId: number }, string | null, string>(
      async (keys) => {
        const rows = await db.query<{ p: string; n: number; operatorId: string }>(TENANT_MAPPING_BY_KEY, [
          keys.map((k) => k.providerId),
          keys.map((k) => k.tenantId),
        ]);
        const found = new Map(rows.map((r) => [`${r.p}|${r.n}`, r.operatorId]));
        return keys.map((k) => found.get(`${k.providerId}|${k.tenantId}`) ?? null);
      },
      { cacheKeyFn: (k) => `${k.providerId}|${k.tenantId}` },
    ),
  };
}

const refKey = (r: NetboxRef) => `${r.providerId}|${r.kind}|${r.netboxId}`;
