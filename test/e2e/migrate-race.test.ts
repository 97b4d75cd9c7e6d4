import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Client } from "pg";
import { migrations } from "../../migrations/index.js";
import { TEST_DB_PREFIX, serverUrl, withDatabaseName } from "../support/db-url.js";
import { CLI, spawnNode } from "../support/processes.js";

// Replicas started together on an empty database: each migrates, and only one may apply each migration.
describe("migrations started by several processes at once", () => {
  const name = `${TEST_DB_PREFIX}race_${randomBytes(4).toString("hex")}`;
  const url = withDatabaseName(serverUrl(), name);
  const admin = new Client({ connectionString: serverUrl() });

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  });
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it("end with one applied set and no error", async () => {
    const procs = [0, 1, 2].map(() =>
      spawnNode(CLI, ["db", "migrate"], { DATABASE_URL: url, LOG_LEVEL: "silent" }),
    );
    const codes = await Promise.all(procs.map((p) => p.exited));
    expect({ codes, output: procs.map((p) => p.output()) }).toEqual({
      codes: [0, 0, 0],
      output: expect.arrayContaining([expect.stringMatching(/^applied: /)]),
    });
    expect(procs.filter((p) => p.output().startsWith("applied: "))).toHaveLength(1);
    expect(procs.filter((p) => p.output() === "nothing to apply\n")).toHaveLength(2);

    const db = new Client({ connectionString: url });
    await db.connect();
    try {
      // Each once (TypeORM applies them by timestamp, not in the list's order).
      const { rows } = await db.query<{ name: string }>(`SELECT name FROM migrations ORDER BY name`);
      expect(rows.map((r) => r.name)).toEqual(migrations.map((m) => m.name).sort());
    } finally {
      await db.end();
    }
  });
});
