import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Client } from "pg";
import type { DataSource } from "typeorm";
import { createDataSource } from "../../src/db/data-source.js";
import { inTransaction } from "../../src/db/transaction.js";
import { createLogger } from "../../src/logger.js";
import { processMetrics } from "../../src/metrics/registry.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { serverUrl } from "../support/db-url.js";
import { pollUntil } from "../support/poll.js";
import { gql, startTestServer, type TestServer } from "../support/server.js";

// What the service does when PostgreSQL misbehaves under it: serialization failures and deadlocks,
// connections killed by the server, and a database that goes away and comes back.

/** The retries counted so far for this SQLSTATE. */
async function retries(code: string): Promise<number> {
  const m = (await processMetrics.getSingleMetric("fedicentral_db_transaction_retries_total")?.get()) ?? {
    values: [],
  };
  return m.values.filter((v) => v.labels.code === code).reduce((a, v) => a + v.value, 0);
}

/** Resolves once both callers reached it, so two transactions interleave where the test wants. */
function rendezvous(): () => Promise<void> {
  let waiting: (() => void) | null = null;
  return () =>
    new Promise<void>((resolve) => {
      if (waiting) {
        waiting();
        waiting = null;
        resolve();
      } else waiting = resolve;
    });
}

/** A TCP relay to PostgreSQL that can play a database gone away (refused) or hung (silent). */
async function startRelay(target: { host: string; port: number }) {
  let mode: "up" | "down" | "silent" = "up";
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    if (mode === "down") return client.destroy();
    if (mode === "silent") return;
    const upstream = net.connect(target.port, target.host);
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    set(next: "up" | "down" | "silent") {
      mode = next;
      if (next !== "up") for (const s of sockets) s.destroy();
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("database faults", () => {
  let db: TestDatabase;
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.ds.query(`CREATE TABLE fault_probe (id int PRIMARY KEY, n int NOT NULL)`);
    await db.ds.query(`INSERT INTO fault_probe VALUES (1, 0), (2, 0)`);
    process.on("unhandledRejection", onUnhandled);
  });
  afterAll(async () => {
    process.off("unhandledRejection", onUnhandled);
    await db?.drop();
  });

  it("retries a whole transaction that hit a serialization failure (40001); it takes effect once", async () => {
    const before = await retries("40001");
    const meet = rendezvous();
    const attempts = [0, 0];
    // Two serializable read-modify-writes of one row: the second to commit fails with 40001.
    const bump = (i: 0 | 1) =>
      inTransaction(db.ds, async (tx) => {
        attempts[i]!++;
        await tx.query(`SET TRANSACTION ISOLATION LEVEL SERIALIZABLE`);
        const [{ n }] = await tx.query(`SELECT n FROM fault_probe WHERE id = 1`);
        if (attempts[i] === 1) await meet();
        await tx.query(`UPDATE fault_probe SET n = $1 WHERE id = 1`, [n + 1]);
        return n + 1;
      });
    const results = await Promise.all([bump(0), bump(1)]);
    expect(results.sort()).toEqual([1, 2]);
    expect(attempts[0]! + attempts[1]!).toBe(3);
    expect((await db.ds.query(`SELECT n FROM fault_probe WHERE id = 1`))[0].n).toBe(2);
    expect((await retries("40001")) - before).toBe(1);
  });

  it("retries the victim of a deadlock (40P01); both transactions take effect once", async () => {
    const before = await retries("40P01");
    const meet = rendezvous();
    const attempts = [0, 0];
    const cross = (i: 0 | 1) =>
      inTransaction(db.ds, async (tx) => {
        attempts[i]!++;
        const [first, second] = i === 0 ? [1, 2] : [2, 1];
        await tx.query(`UPDATE fault_probe SET n = n + 1 WHERE id = $1`, [first]);
        if (attempts[i] === 1) await meet();
        await tx.query(`UPDATE fault_probe SET n = n + 1 WHERE id = $1`, [second]);
      });
    await Promise.all([cross(0), cross(1)]);
    expect(attempts[0]! + attempts[1]!).toBe(3);
    const rows = await db.ds.query(`SELECT id, n FROM fault_probe ORDER BY id`);
    expect(rows).toEqual([
      { id: 1, n: 4 },
      { id: 2, n: 2 },
    ]);
    expect((await retries("40P01")) - before).toBe(1);
  });

  it("does not retry other failures", async () => {
    let attempts = 0;
    await expect(
      inTransaction(db.ds, async (tx) => {
        attempts++;
        await tx.query(`INSERT INTO fault_probe VALUES (1, 0)`);
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(attempts).toBe(1);
  });

  describe("a server whose connections are killed", () => {
    let ds: DataSource;
    let server: TestServer;
    beforeAll(async () => {
      ds = createDataSource({ url: db.url, log: createLogger("silent"), poolSize: 4 });
      await ds.initialize();
      server = await startTestServer(ds);
    });
    afterAll(async () => {
      await server?.stop();
      await ds?.destroy();
    });

    const read = () => gql(server, `{ operators(first: 5) { nodes { id } } }`);

    it("answers the next requests after pg_terminate_backend of every connection, idle or busy", async () => {
      await Promise.all([read(), read(), read(), read()]);
      const admin = new Client({ connectionString: serverUrl() });
      await admin.connect();
      try {
        // One connection busy in a statement when it is killed; the request on it fails, nothing else.
        const busy = ds.query(`SELECT pg_sleep(5)`).then(
          () => "finished",
          (e: { code?: string }) => e.code,
        );
        await pollUntil(
          async () =>
            (
              await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1`, [
                db.name,
              ])
            ).rows[0].n as number,
          (n) => n >= 3,
          { what: "the server's connections" },
        );
        const killed = await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`,
          [db.name],
        );
        expect(killed.rowCount).toBeGreaterThanOrEqual(3);
        expect(await busy).toBe("57P01");
      } finally {
        await admin.end();
      }
      for (let i = 0; i < 8; i++) {
        const res = await read();
        expect(res.errors).toBeUndefined();
        expect(res.status).toBe(200);
      }
      expect(unhandled).toEqual([]);
    });
  });

  describe("a database that goes away", () => {
    let relay: Awaited<ReturnType<typeof startRelay>>;
    let ds: DataSource;
    let server: TestServer;
    beforeAll(async () => {
      const pg = new URL(db.url);
      relay = await startRelay({ host: pg.hostname, port: Number(pg.port || 5432) });
      const via = new URL(db.url);
      via.hostname = "127.0.0.1";
      via.port = String(relay.port);
      ds = createDataSource({ url: via.toString(), log: createLogger("silent"), poolSize: 4 });
      await ds.initialize();
      server = await startTestServer(ds);
    });
    afterAll(async () => {
      relay?.set("up");
      await server?.stop();
      await ds?.destroy();
      await relay?.close();
    });

    const readyz = async () => {
      const started = Date.now();
      const res = await fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(10_000) });
      return { status: res.status, ms: Date.now() - started };
    };

    for (const away of ["down", "silent"] as const) {
      it(`/readyz is 503 while the database is ${away === "down" ? "refusing connections" : "not answering"}, and 200 again by itself`, async () => {
        expect((await readyz()).status).toBe(200);
        relay.set(away);
        const during = await readyz();
        expect(during.status).toBe(503);
        expect(during.ms).toBeLessThan(5_000);
        const failed = await gql(server, `{ operators(first: 1) { nodes { id } } }`).catch(() => null);
        expect(failed?.data?.operators).toBeFalsy();
        relay.set("up");
        await pollUntil(readyz, (r) => r.status === 200, { what: "/readyz 200", timeoutMs: 20_000 });
        await pollUntil(
          () => gql(server, `{ operators(first: 1) { nodes { id } } }`),
          (r) => r.status === 200 && !r.errors,
          { what: "a read answered", timeoutMs: 20_000 },
        );
        expect(unhandled).toEqual([]);
      });
    }
  });
});
