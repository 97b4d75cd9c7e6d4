// Helpers for tests of the NetBox sync: a configuration with fast retries, a connection to a fake NetBox,
// syncs run to their end in the test's own process, and comparisons of the mirror with the fake's data.
import { expect } from "@jest/globals";
import type { DataSource } from "typeorm";
import { toGlobalId } from "../../src/common/global-id.js";
import { dbOf } from "../../src/db/db.js";
import { systemCaller } from "../../src/common/caller.js";
import { createLogger } from "../../src/logger.js";
import { NETBOX_KINDS, type NetboxKind } from "../../src/netbox/kinds.js";
import { extractMirrorRow } from "../../src/netbox/mirror-row.js";
import { NetboxClient, type NetboxObject } from "../../src/netbox/netbox-client.js";
import type { NetboxConfig } from "../../src/netbox/netbox-config.js";
import type { NetboxConnectionInput } from "../../src/netbox/netbox.inputs.js";
import { NetboxService } from "../../src/netbox/netbox.service.js";
import type { NetboxKindValue } from "../../src/netbox/netbox.types.js";
import { claimSyncRun, enqueueSync, executeSyncRun } from "../../src/netbox/sync-runner.js";
import type { FakeNetbox } from "../fakes/netbox/index.js";
import { netboxSecretBox } from "../../src/netbox/secret-box.js";

/** The key tests seal tokens with (also exported to the server's environment by the tests that need it). */
export const TEST_SECRET_KEY = "6a".repeat(32);

export function netboxTestConfig(over: Partial<NetboxConfig> = {}): NetboxConfig {
  return {
    secretBox: netboxSecretBox(Buffer.from(TEST_SECRET_KEY, "hex")),
    worker: false,
    pollMs: 50,
    concurrency: 2,
    timeoutMs: 2000,
    retries: 2,
    backoffMs: 5,
    overlapSeconds: 300,
    refetchConcurrency: 8,
    ...over,
  };
}

/** Stores a connection to the fake (schedule off: tests start their syncs themselves). */
export async function connectFake(
  ds: DataSource,
  providerId: string,
  nb: FakeNetbox,
  token: string,
  over: Partial<NetboxConnectionInput> = {},
): Promise<void> {
  await new NetboxService(ds, netboxTestConfig()).setConnection(
    systemCaller(),
    toGlobalId("Provider", providerId),
    {
      url: nb.url,
      token,
      schedule: { enabled: false },
      ...over,
    },
  );
}

export type SyncRunRow = {
  id: string;
  state: string;
  mode: string;
  reason: string | null;
  pages: number;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  skipped: number;
  issues: { kind: string | null; netboxId: number | null; reason: string }[];
  kindCounts: Record<
    string,
    { created: number; updated: number; deleted: number; unchanged: number; skipped: number }
  >;
  watermarkBefore: string | null;
  watermarkAfter: string | null;
};

/** Queues a sync and runs it here, to its end. */
export async function syncNow(
  ds: DataSource,
  providerId: string,
  mode: "full" | "incremental",
  config: NetboxConfig = netboxTestConfig(),
): Promise<SyncRunRow> {
  const id = await enqueueSync(ds, systemCaller(), providerId, mode, "manual");
  if (!id) throw new Error("a sync is queued or running already");
  const claimed = await claimSyncRun(ds, { id, providerId }, "test");
  if (!claimed) throw new Error("could not claim the sync");
  await executeSyncRun({ ds, log: createLogger("silent"), config }, claimed);
  return syncRun(ds, id);
}

export async function syncRun(ds: DataSource, id: string): Promise<SyncRunRow> {
  const [row] = await dbOf(ds).query<SyncRunRow>(
    `SELECT id, state, mode, reason, pages, created, updated, deleted, unchanged, skipped, issues,
            kind_counts AS "kindCounts", watermark_before AS "watermarkBefore", watermark_after AS "watermarkAfter"
       FROM netbox_sync_run WHERE id = $1`,
    [id],
  );
  return row!;
}

/** A fingerprint of the provider's whole mirror (rows, deletions) and watermark. */
export async function mirrorState(ds: DataSource, providerId: string): Promise<string> {
  const [row] = await dbOf(ds).query<{ mirror: string | null; watermark: string | null }>(
    `SELECT (SELECT md5(string_agg(kind || ':' || netbox_id || ':' || raw::text || ':' || coalesce(deleted_at::text, '-'),
                                   ',' ORDER BY kind, netbox_id))
               FROM netbox_object WHERE provider_id = $1) AS mirror,
            (SELECT last_change_id || '@' || coalesce(last_change_time::text, '-') FROM netbox_connection
              WHERE provider_id = $1) AS watermark`,
    [providerId],
  );
  return `${row?.mirror ?? "empty"}|${row?.watermark ?? "none"}`;
}

/** Every object the fake serves, per kind, exactly as a sync reads it. */
export async function fakeObjects(
  nb: FakeNetbox,
  token: string,
): Promise<Map<NetboxKind, Map<number, NetboxObject>>> {
  const client = new NetboxClient({ url: nb.url, token, retries: 0 });
  const out = new Map<NetboxKind, Map<number, NetboxObject>>();
  for (const kind of NETBOX_KINDS) {
    const objects = new Map<number, NetboxObject>();
    for await (const page of client.listAll(kind)) for (const o of page.objects) objects.set(o.id, o);
    out.set(kind, objects);
  }
  return out;
}

const TYPED = `kind, netbox_id, name, slug, display, status, role, tenant_id, site_id, rack_id, device_id, cluster_id,
  virtual_machine_id, vrf_id, vid, address::text AS address, prefix::text AS prefix, custom_fields, raw`;

/**
 * The live mirror equals the fake: the same objects, the same typed columns, and the same raw objects
 * (all of them, or those of `rawOf`: nested copies of other objects, such as a device's site name, only
 * change in the mirror with the next full sync, as in NetBox's own changelog).
 */
export async function expectMirrorEqualsFake(
  ds: DataSource,
  providerId: string,
  nb: FakeNetbox,
  token: string,
  rawOf: "all" | Set<string> = "all",
  kinds: readonly NetboxKind[] = NETBOX_KINDS,
): Promise<void> {
  const fake = await fakeObjects(nb, token);
  const rows = await dbOf(ds).query<Record<string, unknown> & { kind: NetboxKind; netbox_id: number }>(
    `SELECT ${TYPED} FROM netbox_object WHERE provider_id = $1 AND deleted_at IS NULL`,
    [providerId],
  );
  for (const kind of kinds) {
    const mine = rows.filter((r) => r.kind === kind);
    const theirs = fake.get(kind)!;
    expect({ kind, ids: mine.map((r) => r.netbox_id).sort((a, b) => a - b) }).toEqual({
      kind,
      ids: [...theirs.keys()].sort((a, b) => a - b),
    });
    for (const r of mine) {
      const x = extractMirrorRow(kind, theirs.get(r.netbox_id));
      if (!x.ok) throw new Error(`the fake served a malformed ${kind}: ${x.reason}`);
      const { raw, last_updated: _lu, ...typed } = x.row;
      const { raw: myRaw, kind: _k, ...myTyped } = r;
      expect({ kind, ...myTyped }).toEqual({ kind, ...typed });
      if (rawOf === "all" || rawOf.has(`${kind}:${r.netbox_id}`))
        expect({ kind, raw: myRaw }).toEqual({ kind, raw });
    }
  }
}

export const kindValue = (k: NetboxKind) => k as unknown as NetboxKindValue;
