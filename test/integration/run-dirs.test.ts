import { mkdir, readdir, writeFile } from "node:fs/promises";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { dbOf } from "../../src/db/db.js";
import { sweepRunDirs } from "../../src/runs/run-dirs.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { useTempDir } from "../support/temp-dir.js";

const DAY = 86_400_000;

describe("old run directories", () => {
  let db: TestDatabase;
  const tmp = useTempDir("fedi-run-dirs-");

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("go once their run ended past the retention; queued, running, recent and foreign ones stay", async () => {
    const f = factories(db.ds);
    const provider = await f.provider();
    const operator = await f.operator(provider.id);
    const d = await f.deployment(operator.id);
    const run = async (state: string, endedDaysAgo: number | null) => {
      const [row] = await db.ds.query(
        `INSERT INTO run (deployment_id, state, config, config_hash, generation, initiator, started_at, finished_at)
         VALUES ($1, $2, '{}', 'h', 1, '{"kind":"system"}', CASE WHEN $2 <> 'queued' THEN now() END,
                 CASE WHEN $3::int IS NULL THEN NULL ELSE now() - $3::int * interval '1 day' END)
         RETURNING id::text AS id`,
        [d.id, state, endedDaysAgo],
      );
      const id = row.id as string;
      await mkdir(path.join(tmp.path, "runs", id), { recursive: true });
      await writeFile(path.join(tmp.path, "runs", id, "deployment.json"), "{}");
      return id;
    };
    const old = await run("succeeded", 8);
    const oldFailed = await run("failed", 30);
    const recent = await run("succeeded", 1);
    const queued = await run("queued", null);
    const running = await run("running", null);
    const vanished = randomUUID();
    await mkdir(path.join(tmp.path, "runs", vanished));
    await mkdir(path.join(tmp.path, "runs", "notes"));

    const removed = await sweepRunDirs(dbOf(db.ds), tmp.path, 7 * DAY);
    expect(removed.sort()).toEqual([old, oldFailed, vanished].sort());
    expect((await readdir(path.join(tmp.path, "runs"))).sort()).toEqual(
      [recent, queued, running, "notes"].sort(),
    );
    // Nothing to do the second time; and no runs folder at all is no error.
    expect(await sweepRunDirs(dbOf(db.ds), tmp.path, 7 * DAY)).toEqual([]);
    expect(await sweepRunDirs(dbOf(db.ds), path.join(tmp.path, "nowhere"), DAY)).toEqual([]);
  });
});
