import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { type TestServer, startTestServer } from "../support/server.js";

/** A raw connection to the server, with what it received and when it closed. */
async function connect(port: number) {
  const socket = net.connect(port, "127.0.0.1");
  let received = "";
  socket.on("data", (d: Buffer) => (received += d.toString()));
  socket.on("error", () => undefined);
  const closed = new Promise<number>((resolve) => socket.on("close", () => resolve(Date.now())));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return { socket, closed, received: () => received };
}

/** Resolves with the close time, or null if the connection is still open after `ms`. */
const closedWithin = (closed: Promise<number>, ms: number) =>
  Promise.race([closed, new Promise<null>((r) => setTimeout(() => r(null), ms))]);

describe("slow clients and the connection cap", () => {
  let db: TestDatabase;
  let server: TestServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startTestServer(db.ds, {
      HTTP_HEADERS_TIMEOUT_MS: "1000",
      HTTP_REQUEST_TIMEOUT_MS: "1500",
      HTTP_MAX_CONNECTIONS: "4",
    });
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it("cuts off a client that sends its headers slowly (slowloris)", async () => {
    const c = await connect(server.port);
    const start = Date.now();
    c.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    const drip = setInterval(() => c.socket.write("X-Slow: y\r\n"), 200);
    try {
      const at = await closedWithin(c.closed, 4000);
      expect(at).not.toBeNull();
      expect(at! - start).toBeLessThan(2500);
      expect(c.received()).toMatch(/^HTTP\/1.1 408/);
    } finally {
      clearInterval(drip);
      c.socket.destroy();
    }
  });

  it("cuts off a client that sends its body slowly", async () => {
    const c = await connect(server.port);
    const start = Date.now();
    c.socket.write(
      "POST /graphql HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{",
    );
    const drip = setInterval(() => c.socket.write(" "), 200);
    try {
      const at = await closedWithin(c.closed, 5000);
      expect(at).not.toBeNull();
      expect(at! - start).toBeLessThan(3000);
    } finally {
      clearInterval(drip);
      c.socket.destroy();
    }
  });

  it("refuses connections past the cap and takes new ones once some close", async () => {
    const held = await Promise.all(Array.from({ length: 4 }, () => connect(server.port)));
    try {
      // The server counts a connection once it accepted it.
      await new Promise((r) => setTimeout(r, 100));
      const extra = await connect(server.port);
      expect(await closedWithin(extra.closed, 1000)).not.toBeNull();
      expect(extra.received()).toBe("");

      // The held ones still work.
      held[0]!.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      await new Promise((r) => setTimeout(r, 200));
      expect(held[0]!.received()).toMatch(/^HTTP\/1.1 200/);
    } finally {
      for (const h of held) h.socket.destroy();
    }
    await new Promise((r) => setTimeout(r, 100));
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
  });
});
