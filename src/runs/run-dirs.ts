// Working directories of runs that ended long enough ago are removed, as a CI system removes old job
// workspaces: each run copies its deployment's checkout, so they would otherwise fill the disk.

import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import type { Db } from "../db/db.js";
import { ACTIVE_STATES } from "./run-state.js";
import { sql } from "../db/named-sql.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const LIVE = sql(
  "runs.dirs.live",
  `SELECT id::text AS id FROM run WHERE id = ANY($1::uuid[])
       AND (state = 'queued' OR state = ANY($2::text[])
            OR finished_at >= now() - $3 * interval '1 millisecond')`,
);

/**
 * Removes `${deploymentsDir}/runs/<id>` of runs that ended more than retentionMs ago, and of runs that no
 * longer exist (their deployment was deleted). Directories of queued or active runs, and anything not
 * named like a run, stay. Returns the ids removed.
 */
export async function sweepRunDirs(db: Db, deploymentsDir: string, retentionMs: number): Promise<string[]> {
  const runsDir = path.resolve(deploymentsDir, "runs");
  let names: string[];
  try {
    names = (await readdir(runsDir)).filter((n) => UUID.test(n));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  if (names.length === 0) return [];
  const keep = await db.query<{ id: string }>(LIVE, [names, ACTIVE_STATES, retentionMs]);
  const kept = new Set(keep.map((r) => r.id));
  const gone = names.filter((n) => !kept.has(n));
  for (const id of gone) await rm(path.join(runsDir, id), { recursive: true, force: true });
  return gone;
}
