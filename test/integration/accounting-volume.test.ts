// What anonymous clients and refused requests can add to the append-only log: a bounded number of events
// carrying counts, each of bounded size, whatever they send.
import http from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import type * as oidc from "openid-client";
import { startAccountingWorker } from "../../src/accounting/accounting-worker.js";
import { FailureTallies } from "../../src/accounting/failure-tally.js";
import { emitClosedTallies } from "../../src/accounting/failure-tally-flush.js";
import { recordEvent } from "../../src/accounting/record-event.js";
import { sealPending } from "../../src/accounting/sealer.js";
import { parsePublicKeys } from "../../src/accounting/signing.js";
import { verifyExportFile } from "../../src/accounting/verify-export.js";
import { toGlobalId } from "../../src/common/global-id.js";
import { createDataSource } from "../../src/db/data-source.js";
import { systemCaller } from "../../src/common/caller.js";
import { createLogger } from "../../src/logger.js";
import { NetboxService } from "../../src/netbox/netbox.service.js";
import { makeV1Token } from "../fakes/netbox/index.js";
import { downloadExport } from "../support/accounting.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { pollUntil } from "../support/poll.js";
import { TEST_SECRET_KEY, netboxTestConfig } from "../support/netbox.js";
import { FormBrowser, loginForm, publicClient, publicConfig, testUser } from "../support/oidc.js";
import { type TestServer, as, gql, startTestServer } from "../support/server.js";

const SOURCES = 5;
// An hour's window: a test's attempts never straddle two (tests close the windows themselves).
const ENV = {
  NETBOX_SECRET_KEY: TEST_SECRET_KEY,
  ACCOUNTING_FAILURE_SOURCES: String(SOURCES),
  ACCOUNTING_FAILURE_WINDOW_SECONDS: "3600",
};
const REDIRECT = "http://localhost:5173/callback";
const LONG_AGENT = `hostile/${"x".repeat(15_000)}`;
const FUTURE = () => new Date(Date.now() + 24 * 3600_000);

type EventRow = {
  action: string;
  outcome: string;
  reason: string;
  target_id: string | null;
  initiator: {
    kind: string;
    ip: string | null;
    name: string | null;
    userAgent: string | null;
    attempts?: number;
  };
};

describe("accounting volume", () => {
  let db: TestDatabase;
  let server: TestServer;
  let provider: { id: string; gid: string; slug: string };
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    for (const [k, v] of Object.entries(ENV)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    db = await createTestDatabase();
    provider = await factories(db.ds).provider();
    await new NetboxService(db.ds, netboxTestConfig()).setConnection(systemCaller(), provider.gid, {
      url: "http://127.0.0.1:9",
      token: makeV1Token(),
      webhookSecret: "the-real-webhook-secret",
      schedule: { enabled: false },
    });
    // The query limits would refuse the alias floods below before they run; here they must run, to show
    // that even then their refusals are bounded (a second line of defence).
    server = await startTestServer(db.ds, {
      GRAPHQL_MAX_ALIASES: "5000",
      GRAPHQL_MAX_DOCUMENT_BYTES: "1000000",
      GRAPHQL_MAX_TOKENS: "100000",
      GRAPHQL_MAX_COST: "100000000",
    });
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  // Each test starts with every open tally emitted, so it has the sources of a window to itself.
  beforeEach(async () => {
    await emitClosedTallies(db.ds, { closedBy: FUTURE() });
  });

  /** A webhook with a wrong signature, sent from a loopback address of our choosing (127.0.0.0/8). */
  const badWebhook = (from = "127.0.0.1", userAgent = "netbox-ish/1") =>
    new Promise<number>((resolve, reject) => {
      const req = http.request(
        `${server.url}/webhooks/netbox/${provider.slug}`,
        {
          method: "POST",
          localAddress: from,
          agent: false,
          headers: {
            "content-type": "application/json",
            "x-hook-signature": "ab".repeat(64),
            "user-agent": userAgent,
          },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", reject);
      req.end(JSON.stringify({ event: "updated", model: "device", data: { id: 1 } }));
    });

  async function inBatches<T>(n: number, batch: number, one: (i: number) => Promise<T>): Promise<T[]> {
    const out: T[] = [];
    for (let i = 0; i < n; i += batch)
      out.push(...(await Promise.all(Array.from({ length: Math.min(batch, n - i) }, (_, j) => one(i + j)))));
    return out;
  }

  const webhookEvents = async (): Promise<EventRow[]> =>
    db.ds.query(
      `SELECT action, outcome, reason, target_id, initiator FROM accounting_event
        WHERE action = 'netbox-webhook' AND target_kind = 'netbox-connection' ORDER BY id`,
    );
  const attempts = (rows: EventRow[]) => rows.reduce((n, r) => n + (r.initiator.attempts ?? 1), 0);

  it("writes 600 bad-signature webhooks from one address as one event carrying the count", async () => {
    const before = (await webhookEvents()).length;
    const statuses = await inBatches(600, 25, () => badWebhook("127.0.0.1"));
    expect(new Set(statuses)).toEqual(new Set([403]));
    // Nothing is written while the window is open.
    expect((await webhookEvents()).length).toBe(before);

    expect(await emitClosedTallies(db.ds, { closedBy: FUTURE() })).toBe(1);
    const added = (await webhookEvents()).slice(before);
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({
      outcome: "failure",
      target_id: provider.id,
      initiator: { kind: "anonymous", ip: "127.0.0.1", attempts: 600 },
    });
    expect(added[0]!.reason).toMatch(
      /^bad webhook signature: 600 attempts from 127\.0\.0\.1 in the 3600 s after /,
    );
  });

  it("folds the attempts of more addresses than the cap into one tally of other sources", async () => {
    const before = (await webhookEvents()).length;
    const addresses = Array.from({ length: 40 }, (_, i) => `127.0.1.${i + 1}`);
    await inBatches(120, 20, (i) => badWebhook(addresses[i % addresses.length]));
    await emitClosedTallies(db.ds, { closedBy: FUTURE() });
    const added = (await webhookEvents()).slice(before);
    expect(added.length).toBeLessThanOrEqual(SOURCES + 1);
    expect(attempts(added)).toBe(120);
    const other = added.filter((e) => / from other sources in /.test(e.reason));
    expect(other).toHaveLength(1);
    expect(other[0]!.initiator).toMatchObject({ ip: null, attempts: 120 - 3 * (added.length - 1) });
  });

  it("counts refused sign-ins per window and source, not one event each", async () => {
    const config: oidc.Configuration = await publicConfig(
      server,
      (await publicClient(server, [REDIRECT])).clientId,
    );
    const user = await testUser(server, { role: null });
    const failures = async () =>
      db.ds.query<EventRow[]>(
        `SELECT action, outcome, reason, target_id, initiator FROM accounting_event
          WHERE action = 'authenticate' AND outcome = 'failure' ORDER BY id`,
      );
    const before = (await failures()).length;
    const browser = await FormBrowser.open();
    try {
      const form = await loginForm(server, config, REDIRECT, browser);
      // Past the back-off threshold the rest are refused as throttled: two kinds of failure, one source.
      for (let i = 0; i < 30; i++)
        await browser.post(form.action, { csrf: form.csrf, email: user.email, password: `wrong ${i}` });
    } finally {
      await browser.close();
    }
    expect((await failures()).length).toBe(before);
    await emitClosedTallies(db.ds, { closedBy: FUTURE() });
    const added = (await failures()).slice(before);
    expect(added.length).toBeGreaterThanOrEqual(1);
    expect(added.length).toBeLessThanOrEqual(2);
    expect(attempts(added)).toBe(30);
    for (const e of added) expect(e).toMatchObject({ target_id: user.id, initiator: { kind: "anonymous" } });
  });

  it("emits each tally once when two processes close the same window at the same time", async () => {
    const other = createDataSource({ url: db.url, log: createLogger("silent"), poolSize: 2 });
    await other.initialize();
    try {
      for (let round = 0; round < 5; round++) {
        const before = (await webhookEvents()).length;
        await inBatches(10, 10, (i) => badWebhook(`127.0.2.${i + 1}`));
        const emitted = await Promise.all([
          emitClosedTallies(db.ds, { closedBy: FUTURE() }),
          emitClosedTallies(other, { closedBy: FUTURE() }),
        ]);
        expect(emitted[0] + emitted[1]).toBe(SOURCES + 1);
        const added = (await webhookEvents()).slice(before);
        expect([added.length, attempts(added)]).toEqual([SOURCES + 1, 10]);
      }
    } finally {
      await other.destroy();
    }
  });

  it("counts an IPv6 /64 as one source, IPv4-mapped addresses as IPv4, and unreadable ones as unknown", async () => {
    const tallies = new FailureTallies(db.ds, { windowSeconds: 3600, sources: 100 });
    const from = (ip: string) =>
      tallies.record(
        { requestId: "r", principal: null, client: { ip, userAgent: null } },
        { action: "test-source", targetKind: "test", targetId: null, reason: "tried" },
      );
    for (const ip of ["2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe", "2001:db8:1:3::1"])
      await from(ip);
    for (const ip of ["::ffff:192.0.2.1", "192.0.2.1", "fe80::1%eth0", "not an address"]) await from(ip);
    await emitClosedTallies(db.ds, { closedBy: FUTURE() });
    const rows: { ip: string | null; attempts: number | null; reason: string }[] = await db.ds.query(
      `SELECT initiator->>'ip' AS ip, (initiator->>'attempts')::int AS attempts, reason FROM accounting_event
        WHERE action = 'test-source' ORDER BY 1`,
    );
    expect(rows.map((r) => [r.ip, r.attempts ?? 1])).toEqual([
      ["192.0.2.1", 2],
      ["2001:db8:1:2::/64", 2],
      ["2001:db8:1:3::/64", 1],
      ["fe80::/64", 1],
      [null, 1],
    ]);
    expect(rows[4]!.reason).toMatch(/^tried: 1 attempt from unknown in the 3600 s after /);
  });

  it("is emitted by the accounting worker once its window has closed", async () => {
    const tallies = new FailureTallies(db.ds, { windowSeconds: 1, sources: 100 });
    const caller = { requestId: "r", principal: null, client: { ip: "192.0.2.44", userAgent: null } };
    for (let i = 0; i < 3; i++)
      await tallies.record(caller, {
        action: "test-worker",
        targetKind: "test",
        targetId: null,
        reason: "x",
      });
    const worker = startAccountingWorker(db.ds, createLogger("silent"), {
      observer: "fedicentral",
      signingKeySecret: null,
      checkpointIntervalMs: 3_600_000,
      sealIntervalMs: 50,
    });
    try {
      const attemptsOf = async () =>
        (
          await db.ds.query<{ n: number }[]>(
            `SELECT (initiator->>'attempts')::int AS n FROM accounting_event WHERE action = 'test-worker'`,
          )
        ).map((r) => r.n);
      // Three quick attempts fall in one window, or straddle two at most.
      const seen = await pollUntil(attemptsOf, (n) => n.reduce((a, b) => a + b, 0) === 3, {
        what: "the tally's events",
      });
      expect(seen.length).toBeLessThanOrEqual(2);
    } finally {
      await worker.stop();
    }
  });

  it("stores a 15 KB User-Agent capped, and the chains still verify, online and offline", async () => {
    const op = await factories(db.ds).operator(provider.id);
    const res = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${server.token}`,
        "user-agent": LONG_AGENT,
      },
      body: JSON.stringify({
        query: `mutation($id: ID!) { updateOperator(id: $id, input: { name: "Long agent" }) { id } }`,
        variables: { id: op.gid },
      }),
    });
    expect(res.status).toBe(200);
    await badWebhook("127.0.0.9", LONG_AGENT);
    await emitClosedTallies(db.ds, { closedBy: FUTURE() });
    await db.ds.transaction((tx) =>
      recordEvent(tx, systemCaller(), {
        action: "x".repeat(5000),
        targetKind: "k".repeat(5000),
        targetId: "t".repeat(15_000),
        operatorId: op.id,
        reason: "r".repeat(15_000),
        changes: { bespokeInfo: { before: null, after: { blob: "b".repeat(100_000) } } },
      }),
    );
    // Uncompressed: TOAST would squeeze the repeated characters.
    const rows: { size: number; ua: string | null }[] = await db.ds.query(
      `SELECT octet_length(row_to_json(e)::text) AS size, initiator->>'userAgent' AS ua FROM accounting_event e
        WHERE operator_id = $1 OR initiator->>'ip' = '127.0.0.9'`,
      [op.id],
    );
    expect(rows.length).toBe(3);
    for (const r of rows) expect(r.size).toBeLessThan(8 * 1024);
    const agents = rows.map((r) => r.ua).filter((ua) => ua !== null);
    expect(agents).toHaveLength(2);
    for (const ua of agents) {
      expect(ua.length).toBeLessThanOrEqual(300);
      expect(ua).toMatch(/^hostile\/x+…\[\d+ more characters\]$/);
    }

    await sealPending(db.ds);
    for (const chain of [op.gid, null]) {
      const v = await gql(
        server,
        `query($o: ID) { verifyChain(operator: $o) { ok problem eventsChecked } }`,
        {
          o: chain,
        },
      );
      expect(v.errors).toBeUndefined();
      expect(v.data!.verifyChain).toMatchObject({ ok: true, problem: null });
    }
    const exp = await downloadExport(server, "");
    expect(exp.status).toBe(200);
    const offline = await verifyExportFile(exp.file, parsePublicKeys([]));
    expect(offline).toMatchObject({ ok: true, problems: [] });
  });

  describe("refusals of one request", () => {
    let mine: { id: string; gid: string };
    let theirs: { id: string }[];

    beforeAll(async () => {
      const f = factories(db.ds);
      mine = await f.operator(provider.id);
      const other = await f.operator(provider.id);
      theirs = [];
      for (let i = 0; i < 30; i++) theirs.push(await f.deployment(other.id));
      await db.ds.query(
        `INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', 'user:mallory', 'operator-viewer', $1)`,
        [`operator:${mine.id}`],
      );
    });
    const mallorys = async (): Promise<(EventRow & { operator_id: string | null })[]> =>
      db.ds.query(
        `SELECT action, outcome, reason, target_id, operator_id, initiator FROM accounting_event
          WHERE initiator->>'id' = 'mallory' ORDER BY id`,
      );
    const aliases = (ids: string[]) =>
      `{ ${ids.map((id, i) => `a${i}: deploymentConfig(deploymentId: "${toGlobalId("Deployment", id)}")`).join(" ")} }`;

    it("writes 1,000 aliases of a denied deploymentConfig as one event with the count", async () => {
      const before = (await mallorys()).length;
      const res = await gql(server, aliases(Array(1000).fill(theirs[0]!.id)), {}, as("user:mallory"));
      expect(res.errors).toHaveLength(1000);
      expect(new Set(res.errors!.map((e) => e.extensions?.code))).toEqual(new Set(["NOT_FOUND"]));
      const added = (await mallorys()).slice(before);
      expect(added).toHaveLength(1);
      expect(added[0]).toMatchObject({
        outcome: "failure",
        target_id: toGlobalId("Deployment", theirs[0]!.id),
        initiator: { kind: "user", attempts: 1000 },
      });
      const listed = await gql(
        server,
        `{ accountingEvents(filter: { initiator: "mallory" }, first: 1) { nodes { initiator { attempts } } } }`,
      );
      expect(listed.data!.accountingEvents.nodes).toEqual([{ initiator: { attempts: 1000 } }]);
    });

    it("writes at most a fixed number of events however many targets one request is refused", async () => {
      const before = (await mallorys()).length;
      const ids = theirs.flatMap((d) => [d.id, d.id]);
      const res = await gql(server, aliases(ids), {}, as("user:mallory"));
      expect(res.errors).toHaveLength(60);
      const added = (await mallorys()).slice(before);
      expect(added.length).toBeLessThanOrEqual(11);
      expect(attempts(added)).toBe(60);
    });
  });
});
