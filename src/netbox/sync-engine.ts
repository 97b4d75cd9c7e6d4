// Reads NetBox into the stage: a full listing of every kind, or the changelog since the watermark and a
// re-fetch of what changed. Nothing here touches the mirror; sync-runner.ts merges the stage when the
// reading succeeded. See README.md, "The NetBox contract" §3 (paging) and §6 (changelog recipe).
import pLimit from "p-limit";
import type { Db } from "../db/db.js";
import { OBJECT_TYPES, inSyncOrder, kindOfObjectType, type NetboxKind } from "./kinds.js";
import { extractMirrorRow, type MirrorRow } from "./mirror-row.js";
import { Stage } from "./mirror-writer.js";
import {
  NetboxError,
  type NetboxClient,
  type NetboxObject,
  type NetboxObjectChange,
  type NetboxPage,
} from "./netbox-client.js";
import { sql } from "../db/named-sql.js";

export type SyncMode = "full" | "incremental";
export type Watermark = { id: number; time: string | null };
export type SyncIssue = {
  kind: NetboxKind | "object-changes" | null;
  netboxId: number | null;
  reason: string;
};
export type SyncProgress = {
  phase: "listing" | "changelog" | "refetch" | "merge";
  kind: NetboxKind | null;
  /** Objects read so far in this phase (of this kind, when listing). */
  fetched: number;
  /** Known for listings on NetBox ≤4.5 or when totals were asked for, and for re-fetches. */
  total: number | null;
  pages: number;
};

/** The run's own connection, where the stage lives. */
export interface SyncSession {
  client: NetboxClient;
  sql: Db;
  tx: { begin(): Promise<void>; commit(): Promise<void>; rollback(): Promise<void> };
  kinds: readonly NetboxKind[];
  watermark: Watermark | null;
  overlapSeconds: number;
  refetchConcurrency: number;
  signal?: AbortSignal;
  /** Count each kind first, so progress has totals on every version (one extra request per kind). */
  wantTotals?: boolean;
  onProgress?: (p: SyncProgress) => void;
  /** Collects the issues as they are found, so a failed run still reports them. */
  issues?: SyncIssue[];
}

export interface StagedSync {
  mode: SyncMode;
  stage: Stage;
  /** When the reading began, in the database's clock. */
  since: Date;
  kinds: NetboxKind[];
  pages: number;
  skipped: Map<NetboxKind, number>;
  /** Kinds whose listing had objects without an id: which objects are gone cannot be told. */
  incomplete: Set<NetboxKind>;
  issues: SyncIssue[];
  /** What the watermark becomes once the stage is merged (null: no changelog access). */
  watermark: Watermark | null;
  netboxVersion: string;
  /** How an incremental sync ended up running as full, if it did. */
  note: string | null;
}

const BATCH = 1000;
/** Objects re-fetched with one `?id=…&id=…` listing (the URL stays well under a kilobyte). */
const REFETCH_CHUNK = 100;
/** Past this many changed objects a full listing is cheaper than re-fetching one by one. */
const MAX_REFETCH = 20_000;

export async function readIntoStage(session: SyncSession, requested: SyncMode): Promise<StagedSync> {
  // Any failure cancels the requests still in flight (a page read ahead, parallel re-fetches).
  const stop = new AbortController();
  const signal = session.signal ? AbortSignal.any([session.signal, stop.signal]) : stop.signal;
  try {
    return await read({ ...session, signal }, requested);
  } catch (e) {
    stop.abort(e);
    throw e;
  }
}

const NOW = sql("netbox.sync.now", `SELECT now() AS now`);

async function read(s: SyncSession, requested: SyncMode): Promise<StagedSync> {
  const status = await s.client.status(s.signal);
  const stage = new Stage(s.sql);
  await stage.create();
  const [{ now }] = (await s.sql.query<{ now: Date }>(NOW)) as [{ now: Date }];
  const staged: StagedSync = {
    mode: requested,
    stage,
    since: now,
    kinds: inSyncOrder(s.kinds),
    pages: 0,
    skipped: new Map(),
    incomplete: new Set(),
    issues: s.issues ?? [],
    watermark: s.watermark,
    netboxVersion: status.netboxVersion ?? status.apiVersion,
    note: null,
  };
  for (const w of status.warnings) staged.issues.push({ kind: null, netboxId: null, reason: w });
  if (requested === "incremental") {
    const why = await whyFull(s);
    if (why === null) {
      if (await readChanges(s, staged)) return staged;
      staged.note = `more than ${MAX_REFETCH} objects changed: ran a full sync`;
    } else staged.note = why;
    staged.mode = "full";
    await stage.create();
  }
  await readEverything(s, staged);
  return staged;
}

/** Why an incremental sync cannot work from the changelog, or null when it can. */
async function whyFull(s: SyncSession): Promise<string | null> {
  const w = s.watermark;
  // Needs changelog access first: a 403 here fails the run with "token cannot read object-changes".
  const oldest = await s.client.changelogEdge("oldest", s.signal);
  if (w === null) return "no watermark yet: ran a full sync";
  if (oldest === null) return w.id > 0 ? "the changelog is empty (pruned): ran a full sync" : null;
  const pruned = oldest.id > w.id + 1 && (w.time === null || Date.parse(oldest.time) > Date.parse(w.time));
  return pruned ? "the changelog was pruned past the watermark: ran a full sync" : null;
}

async function readEverything(s: SyncSession, st: StagedSync): Promise<void> {
  // The watermark comes first: changes made while we list are read again by the next incremental sync.
  try {
    const newest = await s.client.changelogEdge("newest", s.signal);
    st.watermark = newest ? { id: newest.id, time: newest.time } : { id: 0, time: null };
  } catch (e) {
    if (!(e instanceof NetboxError && e.code === "FORBIDDEN" && e.reason === "permission")) throw e;
    st.watermark = null;
    st.issues.push({
      kind: "object-changes",
      netboxId: null,
      reason: `${e.message}: incremental syncs will fail`,
    });
  }
  for (const kind of st.kinds) {
    let total = s.wantTotals ? await s.client.count(kind, s.signal) : null;
    let fetched = 0;
    s.onProgress?.({ phase: "listing", kind, fetched, total, pages: st.pages });
    for await (const page of ahead(s.client.listAll(kind, { signal: s.signal }))) {
      st.pages++;
      if (page.page === 1) total ??= page.count;
      await writePage(s, st, kind, page);
      fetched += page.objects.length + page.malformed.length;
      s.onProgress?.({ phase: "listing", kind, fetched, total, pages: st.pages });
    }
  }
}

/** Changelog since the watermark plus the overlap window; false when too much changed for re-fetching. */
async function readChanges(s: SyncSession, st: StagedSync): Promise<boolean> {
  const w = s.watermark!;
  const latest = new Map<string, { kind: NetboxKind; id: number; changeId: number; deleted: boolean }>();
  const types = st.kinds.map((k) => OBJECT_TYPES[k]);
  let newest: Watermark = w;
  const consider = (page: NetboxPage<NetboxObjectChange>, advance: boolean) => {
    st.pages++;
    for (const bad of page.malformed) {
      st.issues.push({ kind: "object-changes", netboxId: bad.id ?? null, reason: bad.reason });
    }
    for (const c of page.objects) {
      if (advance && c.id > newest.id) newest = { id: c.id, time: c.time };
      const kind = kindOfObjectType(c.changed_object_type);
      if (!kind || !st.kinds.includes(kind)) continue;
      const key = `${kind}:${c.changed_object_id}`;
      const seen = latest.get(key);
      if (!seen || seen.changeId < c.id) {
        latest.set(key, {
          kind,
          id: c.changed_object_id,
          changeId: c.id,
          deleted: c.action.value === "delete",
        });
      }
    }
    s.onProgress?.({ phase: "changelog", kind: null, fetched: latest.size, total: null, pages: st.pages });
  };
  const filters = { changed_object_type: types };
  for await (const page of s.client.objectChanges({ idGt: w.id, filters, signal: s.signal })) {
    consider(page, true);
  }
  if (w.time && s.overlapSeconds > 0) {
    // Changes can commit out of id order: re-read a window before the watermark (in NetBox's clock).
    const timeAfter = new Date(Date.parse(w.time) - s.overlapSeconds * 1000).toISOString();
    const overlap = s.client.objectChanges({
      timeAfter,
      filters: { ...filters, id__lte: w.id },
      signal: s.signal,
    });
    for await (const page of overlap) consider(page, false);
  }
  if (latest.size > MAX_REFETCH) return false;
  st.watermark = newest;

  const deleted = new Map<NetboxKind, number[]>();
  const wanted = new Map<NetboxKind, number[]>();
  const rows = new Map<NetboxKind, MirrorRow[]>();
  const skipped = new Map<NetboxKind, number[]>();
  const push = <T>(m: Map<NetboxKind, T[]>, k: NetboxKind, v: T) =>
    (m.get(k) ?? m.set(k, []).get(k)!).push(v);
  // A delete in the changelog is final (NetBox never reuses ids): nothing to fetch.
  for (const c of latest.values()) push(c.deleted ? deleted : wanted, c.kind, c.id);
  const total = [...wanted.values()].reduce((n, ids) => n + ids.length, 0);
  const take = (kind: NetboxKind, obj: NetboxObject) => {
    const x = extractMirrorRow(kind, obj);
    if (x.ok) push(rows, kind, x.row);
    else {
      push(skipped, kind, obj.id);
      st.issues.push({ kind, netboxId: obj.id, reason: x.reason });
    }
  };
  // The first failed request cancels the others: the run fails as a whole.
  const stop = new AbortController();
  const signal = s.signal ? AbortSignal.any([s.signal, stop.signal]) : stop.signal;
  let fetched = 0;

  /** Re-fetches up to REFETCH_CHUNK objects with one listing, confirming absent ones one by one. */
  const refetch = async (kind: NetboxKind, ids: number[]) => {
    const asked = new Set(ids);
    const found = new Map<number, NetboxObject | null>();
    let trusted = true;
    // `id` filters every model; were it ignored (unknown filters are, silently), objects not asked for
    // would come back, and the listing could not tell what is gone.
    listing: for await (const page of s.client.listAll(kind, { filters: { id: ids }, signal })) {
      st.pages++;
      for (const o of page.objects) {
        if (!asked.has(o.id)) {
          trusted = false;
          break listing;
        }
        found.set(o.id, o);
      }
      for (const m of page.malformed) {
        st.issues.push({ kind, netboxId: m.id ?? null, reason: m.reason });
        if (m.id !== undefined && asked.has(m.id)) {
          found.set(m.id, null);
          push(skipped, kind, m.id);
        }
      }
    }
    if (!trusted) found.clear();
    // Absent from the listing: deleted, or hidden from the token; a 404 on its own re-fetch says which.
    for (const id of ids) {
      if (found.has(id)) continue;
      const obj = await s.client.get(kind, id, { signal });
      if (obj === null) push(deleted, kind, id);
      else found.set(id, obj);
    }
    for (const obj of found.values()) if (obj) take(kind, obj);
    fetched += ids.length;
    s.onProgress?.({ phase: "refetch", kind, fetched, total, pages: st.pages });
  };
  const limit = pLimit(s.refetchConcurrency);
  const tasks: Promise<void>[] = [];
  for (const [kind, ids] of wanted) {
    for (let i = 0; i < ids.length; i += REFETCH_CHUNK) {
      const chunk = ids.slice(i, i + REFETCH_CHUNK);
      tasks.push(
        limit(async () => {
          if (stop.signal.aborted) return;
          try {
            await refetch(kind, chunk);
          } catch (e) {
            stop.abort(e);
            throw e;
          }
        }),
      );
    }
  }
  await Promise.all(tasks);
  for (const kind of st.kinds) {
    const list = rows.get(kind) ?? [];
    for (let i = 0; i < list.length; i += BATCH) {
      await inTx(s, () => putRows(s, st, kind, list.slice(i, i + BATCH)));
    }
    await inTx(s, async () => {
      await st.stage.putDeleted(kind, deleted.get(kind) ?? []);
      await st.stage.putSkipped(kind, skipped.get(kind) ?? []);
    });
    const n = skipped.get(kind)?.length ?? 0;
    if (n) st.skipped.set(kind, (st.skipped.get(kind) ?? 0) + n);
  }
  return true;
}

/** One listing page, in its own transaction. */
async function writePage(s: SyncSession, st: StagedSync, kind: NetboxKind, page: NetboxPage<NetboxObject>) {
  const rows: MirrorRow[] = [];
  // Malformed objects keep their last good copy in the mirror: staged as skipped, never deleted.
  const keep: number[] = [];
  for (const m of page.malformed) {
    st.issues.push({ kind, netboxId: m.id ?? null, reason: m.reason });
    if (m.id !== undefined) keep.push(m.id);
    else if (!st.incomplete.has(kind)) {
      st.incomplete.add(kind);
      st.issues.push({
        kind,
        netboxId: null,
        reason: `an object without id: no ${kind} marked deleted this time`,
      });
    }
  }
  for (const obj of page.objects) {
    const x = extractMirrorRow(kind, obj);
    if (x.ok) rows.push(x.row);
    else {
      keep.push(obj.id);
      st.issues.push({ kind, netboxId: obj.id, reason: x.reason });
    }
  }
  const bad = page.malformed.length + page.objects.length - rows.length;
  if (bad) st.skipped.set(kind, (st.skipped.get(kind) ?? 0) + bad);
  await inTx(s, async () => {
    await putRows(s, st, kind, rows);
    await st.stage.putSkipped(kind, keep);
  });
}

const PAGE_SAVEPOINT = sql("netbox.sync.pageSavepoint", `SAVEPOINT stage_page`);
const PAGE_RELEASE = sql("netbox.sync.pageRelease", `RELEASE SAVEPOINT stage_page`);
const PAGE_ROLLBACK = sql("netbox.sync.pageRollback", `ROLLBACK TO SAVEPOINT stage_page`);
const OBJECT_SAVEPOINT = sql("netbox.sync.objectSavepoint", `SAVEPOINT stage_object`);
const OBJECT_RELEASE = sql("netbox.sync.objectRelease", `RELEASE SAVEPOINT stage_object`);
const OBJECT_ROLLBACK = sql("netbox.sync.objectRollback", `ROLLBACK TO SAVEPOINT stage_object`);

/**
 * Stages rows; should PostgreSQL still refuse one (a value our checks let through), the page is retried
 * object by object and the refused ones are reported as malformed.
 */
async function putRows(s: SyncSession, st: StagedSync, kind: NetboxKind, rows: MirrorRow[]): Promise<void> {
  if (rows.length === 0) return;
  try {
    await s.sql.query(PAGE_SAVEPOINT);
    await st.stage.put(kind, rows);
    await s.sql.query(PAGE_RELEASE);
    return;
  } catch (e) {
    if (!isDataError(e)) throw e;
    await s.sql.query(PAGE_ROLLBACK);
  }
  for (const row of rows) {
    try {
      await s.sql.query(OBJECT_SAVEPOINT);
      await st.stage.put(kind, [row]);
      await s.sql.query(OBJECT_RELEASE);
    } catch (e) {
      if (!isDataError(e)) throw e;
      await s.sql.query(OBJECT_ROLLBACK);
      await st.stage.putSkipped(kind, [row.netbox_id]);
      st.skipped.set(kind, (st.skipped.get(kind) ?? 0) + 1);
      st.issues.push({
        kind,
        netboxId: row.netbox_id,
        reason: `refused by the database: ${(e as Error).message}`,
      });
    }
  }
}

async function inTx(s: SyncSession, work: () => Promise<void>): Promise<void> {
  await s.tx.begin();
  try {
    await work();
    await s.tx.commit();
  } catch (e) {
    await s.tx.rollback();
    throw e;
  }
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation). */
function isDataError(e: unknown): boolean {
  const err = e as { code?: string; driverError?: { code?: string } };
  const code = err.driverError?.code ?? err.code;
  return typeof code === "string" && (code.startsWith("22") || code.startsWith("23"));
}

/** Reads one page ahead, so the next page is on its way while this one is written. */
async function* ahead<T>(source: AsyncGenerator<T, void, undefined>): AsyncGenerator<T, void, undefined> {
  let pending = source.next();
  try {
    for (;;) {
      const r = await pending;
      if (r.done) return;
      pending = source.next();
      // The consumer may stop (an error) before it asks for this page; the rejection is not lost then.
      pending.catch(() => undefined);
      yield r.value;
    }
  } finally {
    // Not awaited: a page still in flight is cancelled through the signal, not waited for.
    pending.catch(() => undefined);
    source.return(undefined).catch(() => undefined);
  }
}
