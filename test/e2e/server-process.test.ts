import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Client } from "pg";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { CLI, MAIN, type Proc, freePort, spawnNode, waitReady } from "../support/processes.js";
import { TEST_ENCRYPTION_KEY } from "../support/tokens.js";
import { tokenFrom } from "../support/remote.js";

/**
 * A provider-admin service account made with the command line, as an operator of the service would: of the
 * provider the demo seeds fill (providers are tenants: another provider's admin would see none of it).
 */
async function adminClient(env: Record<string, string>): Promise<{ id: string; secret: string }> {
  const cli = async (...args: string[]) => {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, ...args, "--json"], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_LEVEL: "silent", ...env },
    });
    return JSON.parse(stdout);
  };
  await cli("provider", "create", "--name", "Demo Hosting", "--slug", "demo");
  const created = await cli(
    "client",
    "create",
    "--name",
    "e2e",
    "--provider",
    "demo",
    "--role",
    "provider-admin",
  );
  return { id: created.client_id, secret: created.client_secret };
}

/** The built server with the test encryption key and info logs, unless env says otherwise. */
const startProcess = (env: Record<string, string>): Proc =>
  spawnNode(MAIN, [], { LOG_LEVEL: "info", AUTH_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, ...env });

const query = (base: string, q: string, token?: string) =>
  fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: q }),
  });

describe("the server process", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
    db = await createTestDatabase();
    await db.ds.destroy();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("migrates, seeds, serves, and on SIGTERM finishes the request in flight before exiting", async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const client = await adminClient({ DATABASE_URL: db.url, AUTH_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY });
    const proc = startProcess({
      PORT: String(port),
      PUBLIC_URL: base,
      DATABASE_URL: db.url,
      SEED_DEMO: "true",
    });
    try {
      await waitReady(base, proc);
      expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: "ok" });
      const anonymous = await query(base, `{ operators(first: 10) { totalCount } }`);
      expect(anonymous.status).toBe(401);
      expect(
        ((await anonymous.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions
          .code,
      ).toBe("UNAUTHENTICATED");
      const token = await tokenFrom(base, client);
      const list = await (await query(base, `{ operators(first: 10) { totalCount } }`, token)).json();
      expect(list).toEqual({ data: { operators: { totalCount: 2 } } });

      // Hold a lock so the next request is still running when SIGTERM arrives.
      const locker = new Client({ connectionString: db.url });
      await locker.connect();
      await locker.query("BEGIN");
      await locker.query("LOCK TABLE operator IN ACCESS EXCLUSIVE MODE");
      const inFlight = query(base, `{ operators(first: 1) { nodes { slug } } }`, token);
      await new Promise((r) => setTimeout(r, 300));
      proc.child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 300));
      await expect(fetch(`${base}/healthz`)).rejects.toThrow();
      await locker.query("COMMIT");
      await locker.end();
      const res = await inFlight.catch((e: unknown) => {
        throw new Error(`in-flight request failed: ${String(e)}\n${proc.output()}`);
      });
      expect(res.status).toBe(200);
      expect(
        ((await res.json()) as { data: { operators: { nodes: unknown[] } } }).data.operators.nodes,
      ).toHaveLength(1);
      expect(await proc.exited).toBe(0);
      expect(proc.output()).toMatch(/"msg":"stopped"/);
    } finally {
      proc.child.kill("SIGKILL");
    }
  });

  it("refuses to start on a bad variable, naming it", async () => {
    const proc = startProcess({ PORT: "not-a-port", DATABASE_URL: db.url });
    expect(await proc.exited).toBe(2);
    expect(proc.output()).toMatch(/invalid configuration:\n\s+PORT:/);
  });

  it("runs on embedded PostgreSQL when DATABASE_URL is unset, keeping its data across restarts", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "fedicentral-e2e-"));
    // As root, embedded PostgreSQL runs as its own system user, which must be able to enter the folder.
    chmodSync(dataDir, 0o755);
    const env = {
      DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(await freePort()),
      PORT: String(await freePort()),
    };
    const base = `http://127.0.0.1:${env.PORT}`;
    try {
      // Made before the server runs: the command starts (and stops) the same embedded PostgreSQL.
      const client = await adminClient({ DATA_DIR: dataDir, EMBEDDED_PG_PORT: env.EMBEDDED_PG_PORT });
      for (let round = 0; round < 2; round++) {
        // The generated encryption key (in DATA_DIR) and the signing keys survive the restart.
        const proc = startProcess({ ...env, PUBLIC_URL: base, AUTH_ENCRYPTION_KEY: "" });
        try {
          await waitReady(base, proc);
          const token = await tokenFrom(base, client);
          const body = await (
            await query(base, `{ serviceTypes(first: 10) { totalCount } operators { totalCount } }`, token)
          ).json();
          expect(body).toEqual({ data: { serviceTypes: { totalCount: 4 }, operators: { totalCount: 2 } } });
          proc.child.kill("SIGTERM");
          expect(await proc.exited).toBe(0);
        } finally {
          proc.child.kill("SIGKILL");
        }
      }
      expect(existsSync(path.join(dataDir, "pg", "PG_VERSION"))).toBe(true);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
