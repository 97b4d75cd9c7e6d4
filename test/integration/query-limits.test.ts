import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { aliased, fragmentChain } from "../support/hostile-queries.js";
import { type TestServer, as, gql, startTestServer } from "../support/server.js";
import WebSocket from "ws";
import { wsClient } from "../support/ws.js";

const PROGRESS_LINES = 20_000;

describe("query limits on /graphql", () => {
  let db: TestDatabase;
  let server: TestServer;
  let runId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const f = factories(db.ds);
    const p = await f.provider();
    const o = await f.operator(p.id);
    const d = await f.deployment(o.id);
    const [run] = await db.ds.query(
      `INSERT INTO run (deployment_id, state, config, config_hash, generation, initiator, finished_at)
       VALUES ($1, 'succeeded', '{}', 'x', 1, '{}', now()) RETURNING id`,
      [d.id],
    );
    runId = Buffer.from(`Run:${run.id}`).toString("base64url");
    // Progress lines split across chunks, a multi-byte character too, as nixops4 output arrives.
    const lines = Array.from({ length: PROGRESS_LINES }, (_, i) => `creating resource r${i}.é\n`).join("");
    const bytes = Buffer.from(lines);
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += 65_531) chunks.push(bytes.subarray(at, at + 65_531));
    let offset = 0;
    for (const [seq, data] of chunks.entries()) {
      await db.ds.query(
        `INSERT INTO run_log_chunk (run_id, seq, byte_offset, stream, data) VALUES ($1, $2, $3, 'stderr', $4)`,
        [run.id, seq, offset, data],
      );
      offset += data.length;
    }
    server = await startTestServer(db.ds);
    // The first request to a new server is slow for reasons of its own.
    await fetch(`${server.url}/healthz`);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  const healthzWhile = async <T>(work: Promise<T>) => {
    const started = performance.now();
    // Let the hostile request reach the server first.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const health = await fetch(`${server.url}/healthz`);
    const healthMs = performance.now() - started - 20;
    expect(health.status).toBe(200);
    return { result: await work, healthMs, ms: performance.now() - started };
  };

  it("refuses an anonymous chain of fragment spreads at once, while /healthz answers", async () => {
    const { result, healthMs, ms } = await healthzWhile(gql(server, fragmentChain(10), {}, as("anonymous")));
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", limit: "cost" });
    expect(result.errors?.[0]?.message).toMatch(/^this query costs \d+; the limit is 500000/);
    expect(healthMs).toBeLessThan(100);
    expect(ms).toBeLessThan(1000);
  });

  it("refuses aliased expensive fields with 400 before running them", async () => {
    const attacks = [
      aliased(10, `run(id: "${runId}") { progress { created } }`),
      aliased(30, `run(id: "${runId}") { log(limit: 1048576) { text base64 } }`),
      aliased(250, `run(id: "${runId}") { log(limit: 1048576) { text base64 } }`),
      aliased(150, `__schema { types { name fields { name } } }`),
    ];
    for (const query of attacks) {
      const started = performance.now();
      const res = await gql(server, query);
      expect(res.status).toBe(400);
      expect(res.data).toBeUndefined();
      expect(res.errors?.[0]?.extensions?.code).toBe("QUERY_TOO_COMPLEX");
      expect(performance.now() - started).toBeLessThan(1000);
    }
    // One of each is fine.
    const one = await gql(
      server,
      `{ run(id: "${runId}") { progress { created } log(limit: 1048576) { size } } }`,
    );
    expect(one.errors).toBeUndefined();
    expect(one.data!.run.log.size).toBeGreaterThan(0);
  });

  it("reads a run's progress across chunk boundaries", async () => {
    const res = await gql(server, `{ run(id: "${runId}") { progress { created } } }`);
    const created = res.data!.run.progress.created as string[];
    expect(created).toHaveLength(PROGRESS_LINES);
    expect(created[0]).toBe("r0.é");
    expect(created.at(-1)).toBe(`r${PROGRESS_LINES - 1}.é`);
  });

  it("allows one __schema per request, to signed-in principals only", async () => {
    const schemaOnce = `{ __schema { queryType { name } } }`;
    expect((await gql(server, schemaOnce)).data).toEqual({ __schema: { queryType: { name: "Query" } } });
    const twice = await gql(
      server,
      `{ a: __schema { queryType { name } } ...F } fragment F on Query { __schema { __typename } }`,
    );
    expect(twice.status).toBe(400);
    expect(twice.errors?.[0]?.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", limit: "schemaReads" });
    for (const query of [schemaOnce, `{ __type(name: "Query") { name } }`]) {
      const anonymous = await gql(server, query, {}, as("anonymous"));
      expect(anonymous.status).toBe(401);
      expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
  });

  it("refuses documents over the byte and token caps before parsing them further", async () => {
    const tokens = await gql(server, `{ ${"__typename ".repeat(5_000)} }`, {}, as("anonymous"));
    expect(tokens.status).toBe(400);
    expect(tokens.errors?.[0]?.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", limit: "tokens" });
    const bytes = await gql(server, `{ __typename } # ${"x".repeat(70_000)}`, {}, as("anonymous"));
    expect(bytes.status).toBe(400);
    expect(bytes.errors?.[0]?.extensions).toMatchObject({
      code: "QUERY_TOO_COMPLEX",
      limit: "documentBytes",
    });
  });

  it("applies the same limits to subscriptions over WebSocket", async () => {
    const client = wsClient(server);
    try {
      const query = fragmentChain(10)
        .replace("query", "subscription")
        .replaceAll("on Query", "on Subscription");
      const started = performance.now();
      const errors = await new Promise<unknown>((resolve) => {
        client.subscribe({ query }, { next: () => {}, error: resolve, complete: () => resolve(null) });
      });
      expect(errors).toEqual([
        expect.objectContaining({ extensions: expect.objectContaining({ code: "QUERY_TOO_COMPLEX" }) }),
      ]);
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      await client.dispose();
    }
  });

  it("closes a WebSocket whose message is larger than an HTTP body may be, unread", async () => {
    const ws = new WebSocket(`${server.url.replace(/^http/, "ws")}/graphql`, "graphql-transport-ws");
    await new Promise((resolve) => ws.once("open", resolve));
    const closed = new Promise<number>((resolve) => ws.once("close", resolve));
    ws.send(JSON.stringify({ type: "connection_init", payload: { pad: "x".repeat(2 * 1024 * 1024) } }));
    // 1009: message too big.
    expect(await closed).toBe(1009);
  });
});
