import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { pino } from "pino";
import { loadConfig } from "../../src/config.js";
import { type RunningServer, startServer } from "../../src/server.js";
import { ClientService } from "../../src/authn/clients/client.service.js";
import { systemCaller } from "../../src/common/caller.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { TEST_ENCRYPTION_KEY } from "../support/tokens.js";
import { catalogue } from "../../src/modules.js";

type Line = { msg: string; level: number; req?: Record<string, unknown>; res?: Record<string, unknown> };

/** A server whose log lines land in an array. */
async function serverLogging(db: TestDatabase, accessLog: boolean) {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split("\n")) if (l) lines.push(JSON.parse(l) as Line);
      done();
    },
  });
  const config = loadConfig({
    PORT: "0",
    DATABASE_URL: "postgres://unused/x",
    AUTH_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    HTTP_ACCESS_LOG: String(accessLog),
  });
  const server = await startServer(config, db.ds, pino({ level: "info" }, sink));
  return { server, requests: () => lines.filter((l) => l.msg === "request") };
}

describe("request ids and the access log", () => {
  let db: TestDatabase;
  let on: { server: RunningServer; requests: () => Line[] };
  let off: { server: RunningServer; requests: () => Line[] };

  beforeAll(async () => {
    db = await createTestDatabase();
    on = await serverLogging(db, true);
    off = await serverLogging(db, false);
  });
  afterAll(async () => {
    await on?.server.stop();
    await off?.server.stop();
    await db?.drop();
  });

  it("logs one line per request, without the query string or credentials, under the id it echoes", async () => {
    const res = await fetch(`${on.server.url}/oidc/.well-known/openid-configuration?code=do-not-log`, {
      headers: { authorization: "Bearer do-not-log-either", "user-agent": "access-log-test" },
    });
    expect(res.status).toBe(200);
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const line = on.requests().find((l) => l.req?.id === id);
    expect(line).toMatchObject({
      level: 30,
      req: { method: "GET", path: "/oidc/.well-known/openid-configuration", userAgent: "access-log-test" },
      res: { status: 200 },
    });
    expect(JSON.stringify(on.requests())).not.toContain("do-not-log");
  });

  it("keeps the caller's X-Request-Id on every route, GraphQL included", async () => {
    const res = await fetch(`${on.server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "trace-42" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(res.headers.get("x-request-id")).toBe("trace-42");
    expect(on.requests().find((l) => l.req?.id === "trace-42")?.req).toMatchObject({
      method: "POST",
      path: "/graphql",
    });
  });

  it("leaves out health checks, and logs nothing when off (the id is still given)", async () => {
    const before = on.requests().length;
    expect((await fetch(`${on.server.url}/healthz`)).status).toBe(200);
    expect(on.requests().length).toBe(before);
    const quiet = await fetch(`${off.server.url}/oidc/.well-known/openid-configuration`);
    expect(quiet.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(off.requests()).toEqual([]);
  });

  it("gives the accounting event of a token issuance the id the response carries", async () => {
    const provider = await factories(db.ds).provider();
    const sa = await new ClientService(db.ds, catalogue).createServiceAccount(systemCaller(), {
      name: "ids",
      role: "provider-viewer",
      providerId: provider.gid,
    });
    const res = await fetch(`${on.server.url}/oidc/token`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${sa.clientId}:${sa.clientSecret}`).toString("base64")}`,
      },
      body: "grant_type=client_credentials&scope=api",
    });
    expect(res.status).toBe(200);
    const id = res.headers.get("x-request-id");
    const [event] = await db.ds.query(
      `SELECT request_id FROM accounting_event WHERE action = 'issue' AND initiator->>'name' = 'ids'`,
    );
    expect(event.request_id).toBe(id);
  });
});
