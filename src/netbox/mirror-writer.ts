// The SQL side of the mirror. A sync writes what it reads into a session-local stage table, page by page;
// only when the reading finished without error is the stage merged into netbox_object, in one
// transaction with the watermark and the run's outcome. A failed sync leaves the mirror as it was.
import type { Db } from "../db/db.js";
import type { NetboxKind } from "./kinds.js";
import type { MirrorRow } from "./mirror-row.js";
import { sql, sqlTemplate } from "../db/named-sql.js";

export type KindCounts = { created: number; updated: number; deleted: number; unchanged: number };
export const zeroCounts = (): KindCounts => ({ created: 0, updated: 0, deleted: 0, unchanged: 0 });

/** Typed columns, in the order of MirrorRow (the stage and netbox_object share them). */
const COLUMNS = [
  "name",
  "slug",
  "display",
  "status",
  "role",
  "tenant_id",
  "site_id",
  "rack_id",
  "device_id",
  "cluster_id",
  "virtual_machine_id",
  "vrf_id",
  "vid",
  "address",
  "prefix",
  "custom_fields",
  "raw",
  "netbox_last_updated",
] as const;

const RECORD_TYPES = `netbox_id integer, name text, slug text, display text, status text, role text,
  tenant_id integer, site_id integer, rack_id integer, device_id integer, cluster_id integer,
  virtual_machine_id integer, vrf_id integer, vid integer, address text, prefix text,
  custom_fields jsonb, raw jsonb, last_updated timestamptz`;

/** Values from a jsonb_to_recordset row `x`, in COLUMNS order; prefixes are normalised to their network. */
const RECORD_VALUES = `x.name, x.slug, x.display, x.status, x.role, x.tenant_id, x.site_id, x.rack_id,
  x.device_id, x.cluster_id, x.virtual_machine_id, x.vrf_id, x.vid, x.address::inet,
  network(x.prefix::inet), x.custom_fields, x.raw, x.last_updated`;

const SET_ALL = COLUMNS.map((c) => `${c} = EXCLUDED.${c}`).join(", ");

// Whether the staged copy `n` replaces the mirror's row `o`.
const apply = (n: string) => `(o.raw IS DISTINCT FROM ${n}.raw OR o.deleted_at IS NOT NULL)
      AND (o.synced_at < $2 OR ${n}.netbox_last_updated > coalesce(o.netbox_last_updated, '-infinity'))`;
const COMING_BACK = sql(
  "netbox.mirror.comingBack",
  `SELECT s.kind, count(*)::int AS n FROM pg_temp.netbox_stage s
             JOIN netbox_object o ON o.provider_id = $1 AND o.kind = s.kind AND o.netbox_id = s.netbox_id
            WHERE o.deleted_at IS NOT NULL AND NOT s.deleted AND NOT s.skipped AND ${apply("s")}
            GROUP BY s.kind`,
);
const UPDATE_CHANGED = sql(
  "netbox.mirror.updateChanged",
  `WITH up AS (
             UPDATE netbox_object o SET ${COLUMNS.map((c) => `${c} = s.${c}`).join(", ")}, synced_at = now(), deleted_at = NULL
               FROM pg_temp.netbox_stage s
              WHERE o.provider_id = $1 AND o.kind = s.kind AND o.netbox_id = s.netbox_id
                AND NOT s.deleted AND NOT s.skipped AND ${apply("s")}
              RETURNING o.kind)
           SELECT kind, count(*)::int AS n FROM up GROUP BY kind`,
);
// The first sync of a provider inserts every staged object; a later one only those the mirror lacks.
const INSERT_STAGED = sqlTemplate<"unmirrored">(
  "netbox.mirror.insertStaged",
  `WITH ins AS (
         INSERT INTO netbox_object (provider_id, kind, netbox_id, ${COLUMNS.join(", ")}, synced_at)
         SELECT $1, s.kind, s.netbox_id, ${COLUMNS.map((c) => `s.${c}`).join(", ")}, now()
           FROM pg_temp.netbox_stage s
          WHERE NOT s.deleted AND NOT s.skipped {{unmirrored}}
         ON CONFLICT (provider_id, kind, netbox_id) DO NOTHING
         RETURNING kind)
       SELECT kind, count(*)::int AS n FROM ins GROUP BY kind`,
);
const UNMIRRORED = `AND NOT EXISTS (SELECT 1 FROM netbox_object o
                                  WHERE o.provider_id = $1 AND o.kind = s.kind AND o.netbox_id = s.netbox_id)`;
const STAGE_DROP = sql("netbox.stage.drop", `DROP TABLE IF EXISTS pg_temp.netbox_stage`);
const STAGE_CREATE = sql(
  "netbox.stage.create",
  `CREATE TEMP TABLE netbox_stage (
      kind text NOT NULL, netbox_id integer NOT NULL, deleted boolean NOT NULL DEFAULT false,
      skipped boolean NOT NULL DEFAULT false,
      name text, slug text, display text, status text, role text, tenant_id integer, site_id integer,
      rack_id integer, device_id integer, cluster_id integer, virtual_machine_id integer, vrf_id integer,
      vid integer, address inet, prefix cidr, custom_fields jsonb, raw jsonb, netbox_last_updated timestamptz,
      PRIMARY KEY (kind, netbox_id))`,
);
const PUT = sql(
  "netbox.stage.put",
  `INSERT INTO pg_temp.netbox_stage (kind, netbox_id, deleted, ${COLUMNS.join(", ")})
       SELECT $1, x.netbox_id, false, ${RECORD_VALUES}
         FROM jsonb_to_recordset($2::jsonb) AS x(${RECORD_TYPES})
       ON CONFLICT (kind, netbox_id) DO UPDATE SET deleted = false, skipped = false, ${SET_ALL}`,
);
const PUT_SKIPPED = sql(
  "netbox.stage.putSkipped",
  `INSERT INTO pg_temp.netbox_stage (kind, netbox_id, skipped)
       SELECT $1, unnest($2::integer[]), true
       ON CONFLICT (kind, netbox_id) DO UPDATE SET skipped = true, deleted = false, raw = NULL`,
);
const PUT_DELETED = sql(
  "netbox.stage.putDeleted",
  `INSERT INTO pg_temp.netbox_stage (kind, netbox_id, deleted)
       SELECT $1, unnest($2::integer[]), true
       ON CONFLICT (kind, netbox_id) DO UPDATE SET deleted = true, skipped = false, raw = NULL`,
);
const STAGED_COUNTS = sql(
  "netbox.mirror.stagedCounts",
  `SELECT kind, count(*)::int AS n FROM pg_temp.netbox_stage WHERE NOT deleted AND NOT skipped GROUP BY kind`,
);
const MIRROR_ANY = sql(
  "netbox.mirror.any",
  `SELECT EXISTS (SELECT 1 FROM netbox_object WHERE provider_id = $1) AS any`,
);
const DELETE_UNLISTED = sql(
  "netbox.mirror.deleteUnlisted",
  `WITH gone AS (
         UPDATE netbox_object o SET deleted_at = now(), synced_at = now()
          WHERE o.provider_id = $1 AND o.kind = ANY($2::text[]) AND o.deleted_at IS NULL AND o.synced_at < $3
            AND NOT EXISTS (SELECT 1 FROM pg_temp.netbox_stage s WHERE s.kind = o.kind AND s.netbox_id = o.netbox_id)
          RETURNING o.kind)
       SELECT kind, count(*)::int AS n FROM gone GROUP BY kind`,
);
const APPLY_DELETES = sql(
  "netbox.mirror.applyDeletes",
  `WITH gone AS (
         UPDATE netbox_object o SET deleted_at = now(), synced_at = now()
           FROM pg_temp.netbox_stage s
          WHERE s.deleted AND o.provider_id = $1 AND o.kind = s.kind AND o.netbox_id = s.netbox_id
            AND o.deleted_at IS NULL
          RETURNING o.kind)
       SELECT kind, count(*)::int AS n FROM gone GROUP BY kind`,
);

/** A stage that lives on one connection (a temporary table), dropped with `drop()` or the session. */
export class Stage {
  constructor(private readonly sql: Db) {}

  async create(): Promise<void> {
    await this.sql.query(STAGE_DROP);
    await this.sql.query(STAGE_CREATE);
  }

  async drop(): Promise<void> {
    await this.sql.query(STAGE_DROP);
  }

  /** Stages objects; a later copy of the same object replaces an earlier one. */
  async put(kind: NetboxKind, rows: readonly MirrorRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.sql.query(PUT, [kind, JSON.stringify(rows)]);
  }

  /** Objects NetBox listed but that were malformed: left as they are in the mirror, and not deleted. */
  async putSkipped(kind: NetboxKind, ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.sql.query(PUT_SKIPPED, [kind, ids]);
  }

  /** Stages deletions (incremental sync: changelog deletes and objects gone on re-fetch). */
  async putDeleted(kind: NetboxKind, ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.sql.query(PUT_DELETED, [kind, ids]);
  }

  /**
   * Writes the staged objects into the mirror. `since` is when the reading began: a row written after it
   * (by a webhook) is only replaced by a copy NetBox changed later still, so a stale page never undoes a
   * newer event.
   */
  async merge(providerId: string, since: Date): Promise<Map<string, KindCounts>> {
    const staged = await this.sql.query<{ kind: string; n: number }>(STAGED_COUNTS);
    const [mirrored] = await this.sql.query<{ any: boolean }>(MIRROR_ANY, [providerId]);
    // The first sync of a provider: nothing to compare with, one pass over the stage.
    const fresh = !mirrored?.any;
    // Deleted objects that NetBox lists again come back: counted as created, not as updated.
    const back = fresh
      ? []
      : await this.sql.query<{ kind: string; n: number }>(COMING_BACK, [providerId, since]);
    // An UPDATE ... FROM touches only the rows that changed: the daily reconciliation of an unchanged
    // NetBox writes (and locks) nothing, where an upsert would lock every row it compared.
    const updated = fresh
      ? []
      : await this.sql.query<{ kind: string; n: number }>(UPDATE_CHANGED, [providerId, since]);
    // A row a webhook inserted meanwhile is left to it (DO NOTHING): NetBox ids are never reused.
    const inserted = await this.sql.query<{ kind: string; n: number }>(
      INSERT_STAGED.fill({ unmirrored: fresh ? "" : UNMIRRORED }),
      [providerId],
    );
    const written = staged.map(({ kind }) => ({
      kind,
      inserted: inserted.find((r) => r.kind === kind)?.n ?? 0,
      updated: updated.find((r) => r.kind === kind)?.n ?? 0,
    }));
    const out = new Map<string, KindCounts>();
    const backOf = new Map(back.map((r) => [r.kind, r.n]));
    const writtenOf = new Map(written.map((r) => [r.kind, r]));
    for (const { kind, n } of staged) {
      const w = writtenOf.get(kind) ?? { inserted: 0, updated: 0 };
      const b = backOf.get(kind) ?? 0;
      out.set(kind, {
        created: w.inserted + b,
        updated: w.updated - b,
        deleted: 0,
        unchanged: n - w.inserted - w.updated,
      });
    }
    return out;
  }

  /** Full sync: objects of the listed kinds that the complete listing did not return are gone. */
  async deleteUnlisted(
    providerId: string,
    kinds: readonly NetboxKind[],
    since: Date,
  ): Promise<Map<string, number>> {
    const rows = await this.sql.query<{ kind: string; n: number }>(DELETE_UNLISTED, [
      providerId,
      kinds,
      since,
    ]);
    return new Map(rows.map((r) => [r.kind, r.n]));
  }

  /** Incremental sync: the staged deletions. */
  async applyDeletes(providerId: string): Promise<Map<string, number>> {
    const rows = await this.sql.query<{ kind: string; n: number }>(APPLY_DELETES, [providerId]);
    return new Map(rows.map((r) => [r.kind, r.n]));
  }
}

export type WebhookOutcome = "created" | "updated" | "unchanged" | "deleted" | "stale";

const WEBHOOK_DELETED = sql(
  "netbox.mirror.webhookDeleted",
  `SELECT deleted_at IS NOT NULL AS deleted FROM netbox_object
      WHERE provider_id = $1 AND kind = $2 AND netbox_id = $3 FOR UPDATE`,
);
const WEBHOOK_DELETE = sql(
  "netbox.mirror.webhookDelete",
  `INSERT INTO netbox_object (provider_id, kind, netbox_id, ${COLUMNS.join(", ")}, synced_at, deleted_at)
       SELECT $1, $2, x.netbox_id, ${RECORD_VALUES}, now(), now()
         FROM jsonb_to_recordset($3::jsonb) AS x(${RECORD_TYPES})
       ON CONFLICT (provider_id, kind, netbox_id) DO UPDATE SET deleted_at = now(), synced_at = now()`,
);
const WEBHOOK_UPSERT = sql(
  "netbox.mirror.webhookUpsert",
  `INSERT INTO netbox_object AS o (provider_id, kind, netbox_id, ${COLUMNS.join(", ")}, synced_at)
     SELECT $1, $2, x.netbox_id, ${RECORD_VALUES}, now()
       FROM jsonb_to_recordset($3::jsonb) AS x(${RECORD_TYPES})
     ON CONFLICT (provider_id, kind, netbox_id) DO UPDATE SET ${SET_ALL}, synced_at = now()
     WHERE EXCLUDED.netbox_last_updated > coalesce(o.netbox_last_updated, '-infinity')
        OR (EXCLUDED.netbox_last_updated IS NOT DISTINCT FROM o.netbox_last_updated AND o.raw IS DISTINCT FROM EXCLUDED.raw)
     RETURNING o.netbox_id`,
);
const WEBHOOK_SAME = sql(
  "netbox.mirror.webhookSame",
  `SELECT raw = $4::jsonb AS same FROM netbox_object WHERE provider_id = $1 AND kind = $2 AND netbox_id = $3`,
);

/**
 * One object from a webhook, applied idempotently: a copy older than the mirror's is ignored, an equal one
 * changes nothing, and a deleted object stays deleted (NetBox never reuses ids).
 */
export async function applyWebhookObject(
  db: Db,
  providerId: string,
  kind: NetboxKind,
  row: MirrorRow,
  deleted: boolean,
): Promise<WebhookOutcome> {
  const [before] = await db.query<{ deleted: boolean }>(WEBHOOK_DELETED, [providerId, kind, row.netbox_id]);
  if (before?.deleted) return deleted ? "unchanged" : "stale";
  if (deleted) {
    // A tombstone even for an object never mirrored, so a late "updated" event cannot bring it back.
    await db.query(WEBHOOK_DELETE, [providerId, kind, JSON.stringify([row])]);
    return "deleted";
  }
  const written = await db.query<{ netbox_id: number }>(WEBHOOK_UPSERT, [
    providerId,
    kind,
    JSON.stringify([row]),
  ]);
  if (written.length === 0) {
    const [same] = await db.query<{ same: boolean }>(WEBHOOK_SAME, [
      providerId,
      kind,
      row.netbox_id,
      JSON.stringify(row.raw),
    ]);
    return same?.same ? "unchanged" : "stale";
  }
  return before ? "updated" : "created";
}
