import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Client } from "pg";
import { createEmptyDatabase, createTestDatabase, type TestDatabase } from "../support/db.js";
import { serverUrl } from "../support/db-url.js";
import { type FakeNotifySocket, fakeNotifySocket } from "../support/fake-notify-socket.js";
import { pollUntil } from "../support/poll.js";
import { MAIN, freePort, spawnNode } from "../support/processes.js";
import { useTempDir } from "../support/temp-dir.js";
import { TEST_ENCRYPTION_KEY } from "../support/tokens.js";

// A Type=notify unit: systemd hears READY=1 once the server serves, WATCHDOG=1 while it is healthy and
// STOPPING=1 when it shuts down.
describe("systemd notification", () => {
  const dir = useTempDir("fedicentral-notify-");
  let db: TestDatabase;
  let socket: FakeNotifySocket;
  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
    db = await createTestDatabase();
    socket = await fakeNotifySocket(dir.path);
  });
  afterAll(async () => {
    socket?.close();
    await db?.drop();
  });

  it("sends READY=1 once /readyz answers 200, WATCHDOG=1 while healthy, STOPPING=1 on SIGTERM", async () => {
    const port = await freePort();
    const proc = spawnNode(MAIN, [], {
      PORT: String(port),
      DATABASE_URL: db.url,
      AUTH_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      LOG_LEVEL: "warn",
      NOTIFY_SOCKET: socket.path,
      WATCHDOG_USEC: "400000",
    });
    try {
      await pollUntil(
        async () => socket.messages(),
        (m) => m.includes("READY=1"),
        { what: () => `READY=1 (process output: ${proc.output()})`, timeoutMs: 30_000 },
      );
      // Ready means ready: the server answers at once.
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      await pollUntil(
        async () => socket.messages(),
        (m) => m.filter((x) => x === "WATCHDOG=1").length >= 2,
        { what: "two watchdog pings", timeoutMs: 10_000 },
      );
      proc.child.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
      const messages = socket.messages().filter((m) => m !== "BARRIER=1");
      expect(messages.indexOf("READY=1")).toBeLessThan(messages.indexOf("WATCHDOG=1"));
      expect(messages.at(-1)).toBe("STOPPING=1");
    } finally {
      proc.child.kill("SIGKILL");
    }
  });

  it("stops pinging the watchdog while the database does not answer", async () => {
    const port = await freePort();
    const before = socket.messages().length;
    const admin = new Client({ connectionString: serverUrl() });
    await admin.connect();
    const proc = spawnNode(MAIN, [], {
      PORT: String(port),
      DATABASE_URL: db.url,
      AUTH_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      LOG_LEVEL: "silent",
      NOTIFY_SOCKET: socket.path,
      WATCHDOG_USEC: "400000",
    });
    try {
      await pollUntil(
        async () => socket.messages().slice(before),
        (m) => m.includes("WATCHDOG=1"),
        { what: "a first watchdog ping", timeoutMs: 30_000 },
      );
      // Every connection of the server's pool ends; it cannot reconnect while the database refuses them.
      await admin.query(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS false`);
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [
        db.name,
      ]);
      await new Promise((r) => setTimeout(r, 500));
      const cut = socket.messages().length;
      await new Promise((r) => setTimeout(r, 1500));
      expect(
        socket
          .messages()
          .slice(cut)
          .filter((m) => m === "WATCHDOG=1"),
      ).toEqual([]);
      await admin.query(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS true`);
      await pollUntil(
        async () => socket.messages().slice(cut),
        (m) => m.includes("WATCHDOG=1"),
        { what: "pings again once the database answers", timeoutMs: 15_000 },
      );
    } finally {
      proc.child.kill("SIGKILL");
      await admin.query(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS true`);
      await admin.end();
    }
  });
  // Found under load (2026-12-06): the signal handlers were installed only once everything had started, so
  // a SIGTERM during start-up (here: while waiting for `db migrate`) met Node's default action and the
  // process died by the signal instead of stopping.
  it("stops cleanly on a SIGTERM during start-up, while it waits for migrations", async () => {
    const empty = await createEmptyDatabase();
    const port = await freePort();
    const proc = spawnNode(MAIN, [], {
      PORT: String(port),
      DATABASE_URL: empty.url,
      AUTH_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      MIGRATE_ON_START: "false",
      LOG_LEVEL: "info",
    });
    try {
      await pollUntil(
        async () => proc.output(),
        (out) => out.includes("waiting for migrations"),
        { what: () => `the wait for migrations (process output: ${proc.output()})`, timeoutMs: 30_000 },
      );
      proc.child.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
    } finally {
      proc.child.kill("SIGKILL");
      await empty.drop();
    }
  });
});
