import { describe, expect, it } from "@jest/globals";
import { useRunHarness } from "../support/runs.js";
import { gql, startTestServer } from "../support/server.js";
import { RUN_EVENTS, collectRunEvents, wsClient } from "../support/ws.js";

describe("runEvents subscription", () => {
  const h = useRunHarness("run-events", { concurrency: 2, pollMs: 5000, killGraceMs: 300 });
  const { worker, apply } = h;

  async function storedLog(runId: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    let offset = 0;
    for (;;) {
      const res = await gql(
        h.server,
        `query($id: ID!, $o: Int!) { run(id: $id) { log(fromOffset: $o, limit: 1048576) { base64 nextOffset } } }`,
        { id: runId, o: offset },
      );
      const log = res.data!.run.log;
      if (log.nextOffset === offset) return Buffer.concat(parts);
      parts.push(Buffer.from(log.base64, "base64"));
      offset = log.nextOffset;
    }
  }

  it("delivers the current state, the live log and the final state, then completes", async () => {
    const runId = await apply();
    // Subscribed while the run is still queued: no worker yet.
    const live = collectRunEvents(h.server, runId);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The worker polls only every 5 s: it learns of the queued run from the notification at its start,
    // and of nothing else; the subscriber learns of every chunk and state through notifications.
    worker({ FAKE_NIXOPS4_RESOURCES: "a,b,c,d,e,f", FAKE_NIXOPS4_DELAY_MS: "120" });
    const c = await live;
    expect(c.errors).toEqual([]);
    expect(c.completed).toBe(true);
    expect(c.states).toEqual(["QUEUED", "RUNNING", "SUCCEEDED"]);
    expect(c.events[0]).toMatchObject({ __typename: "RunStateChange", state: "QUEUED" });
    expect(c.events.at(-1)).toMatchObject({
      __typename: "RunStateChange",
      state: "SUCCEEDED",
      run: { id: runId, state: "SUCCEEDED", exitCode: 0 },
    });
    // Several chunks arrived while the run was going on, in order and without gaps.
    const chunks = c.events.filter((e) => e.__typename === "RunLogChunk");
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks[0]).toMatchObject({ offset: 0, stream: "STDERR" });
    const stored = await storedLog(runId);
    expect(c.bytes.equals(stored)).toBe(true);
    expect(c.bytes.toString()).toContain("creating resource f\n");
  });

  it("resumes after a disconnect from the last offset: every byte once, in order", async () => {
    const runId = await apply();
    worker({ FAKE_NIXOPS4_RESOURCES: "r1,r2,r3,r4,r5,r6,r7,r8,r9,r10", FAKE_NIXOPS4_DELAY_MS: "80" });
    const first = await collectRunEvents(h.server, runId, 0, { stopWhen: (c) => c.nextOffset > 200 });
    expect(first.completed).toBe(false);
    expect(first.errors).toEqual([]);
    const rest = await collectRunEvents(h.server, runId, first.nextOffset);
    expect(rest.errors).toEqual([]);
    expect(rest.completed).toBe(true);
    expect(rest.states.at(-1)).toBe("SUCCEEDED");
    const stored = await storedLog(runId);
    expect(Buffer.concat([first.bytes, rest.bytes]).equals(stored)).toBe(true);
  });

  it("replays a finished run from any offset, even inside a chunk, and completes", async () => {
    const runId = await apply();
    worker({ FAKE_NIXOPS4_MODE: "invalid-utf8", FAKE_NIXOPS4_RESOURCES: "x,y" });
    const whole = await collectRunEvents(h.server, runId);
    expect(whole.states.at(-1)).toBe("SUCCEEDED");
    const stored = await storedLog(runId);
    expect(whole.bytes.equals(stored)).toBe(true);
    // Bytes that are not UTF-8 arrive unchanged.
    expect(whole.bytes.includes(Buffer.from([0xff, 0xfe, 0xc3, 0x28]))).toBe(true);
    for (const from of [1, 37, stored.length - 1, stored.length, stored.length + 10]) {
      const tail = await collectRunEvents(h.server, runId, from);
      expect(tail.completed).toBe(true);
      expect(tail.states).toEqual(["SUCCEEDED"]);
      expect(tail.bytes.equals(stored.subarray(from))).toBe(true);
    }
  });

  it("refuses unknown runs, bad offsets, and queries over WebSocket", async () => {
    const unknown = await collectRunEvents(
      h.server,
      Buffer.from("Run:00000000-0000-4000-8000-000000000000").toString("base64url"),
    );
    expect(unknown.errors).toMatchObject([{ extensions: { code: "NOT_FOUND" } }]);
    const runId = await apply();
    const negative = await collectRunEvents(h.server, runId, -1);
    expect(negative.errors).toMatchObject([{ extensions: { code: "BAD_USER_INPUT", field: "fromOffset" } }]);
    const wrongType = await collectRunEvents(h.server, Buffer.from("Deployment:x").toString("base64url"));
    expect(wrongType.errors).toMatchObject([{ extensions: { code: "BAD_USER_INPUT" } }]);

    const client = wsClient(h.server);
    try {
      const query = await new Promise<unknown>((resolve) => {
        client.subscribe(
          { query: `{ runs { totalCount } }` },
          { next: resolve, error: resolve, complete: () => {} },
        );
      });
      expect(query).toMatchObject({ errors: [{ extensions: { code: "BAD_REQUEST" } }] });
      // The depth limit applies here too.
      const deep = await new Promise<unknown>((resolve) => {
        client.subscribe(
          {
            query: `subscription($id: ID!) { runEvents(runId: $id) { ... on RunStateChange { run { deployment {
              operator { deployments { nodes { operator { deployments { nodes { operator { deployments { nodes {
              operator { deployments { nodes { id } } } } } } } } } } } } } } } } }`,
            variables: { id: runId },
          },
          { next: resolve, error: resolve, complete: () => {} },
        );
      });
      expect(JSON.stringify(deep)).toMatch(/deep/i);
    } finally {
      await client.dispose();
    }
  });

  it("authenticates the connection like HTTP: anonymous, unknown tokens and other operators' runs are refused", async () => {
    const runId = await apply();
    const anonymous = await collectRunEvents({ url: h.server.url }, runId);
    expect(anonymous.errors).toMatchObject([{ extensions: { code: "UNAUTHENTICATED" } }]);
    const forged = await collectRunEvents({ url: h.server.url, token: "not-a-token" }, runId);
    expect(forged.errors).toMatchObject([{ code: 4403 }]);
    // Without run:read anywhere: FORBIDDEN; with it for another operator only: as missing as an unknown run.
    const nobody = await collectRunEvents(
      { url: h.server.url, token: await h.server.tokenFor("user:nobody") },
      runId,
    );
    expect(nobody.errors).toMatchObject([{ extensions: { code: "FORBIDDEN" } }]);
    const elsewhere = await h.f.operator((await h.f.provider()).id);
    await h.db.ds.query(
      `INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', 'user:stranger', 'operator-viewer', $1)`,
      [`operator:${elsewhere.id}`],
    );
    const stranger = await collectRunEvents(
      { url: h.server.url, token: await h.server.tokenFor("user:stranger") },
      runId,
    );
    expect(stranger.errors).toMatchObject([{ extensions: { code: "NOT_FOUND" } }]);
    expect(stranger.events).toEqual([]);
  });

  it("closes subscriptions when the server stops, so clients can resume elsewhere", async () => {
    const other = await startTestServer(h.db.ds);
    const runId = await apply();
    const closed = new Promise<unknown>((resolve) => {
      const client = wsClient(other);
      client.subscribe(
        { query: RUN_EVENTS, variables: { id: runId, from: 0 } },
        {
          next: () => void other.stop(),
          error: resolve,
          complete: () => resolve("complete"),
        },
      );
    });
    expect(await closed).toMatchObject({ code: 1001 });
  });

  it("ends a live subscription once the subscriber's role is revoked", async () => {
    const roleGrant = { subject: "user:watcher", role: "operator-viewer", operatorId: h.operator.gid };
    const granted = await gql(
      h.server,
      `mutation($i: RoleGrantInput!) { grantRole(input: $i) { __typename } }`,
      {
        i: roleGrant,
      },
    );
    expect(granted.errors).toBeUndefined();
    const resources = Array.from({ length: 60 }, (_, i) => `r${i}`).join(",");
    worker({ FAKE_NIXOPS4_RESOURCES: resources, FAKE_NIXOPS4_DELAY_MS: "100" });
    const runId = await apply();
    const watching = collectRunEvents(
      { url: h.server.url, token: await h.server.tokenFor("user:watcher") },
      runId,
      0,
      {
        timeoutMs: 20_000,
      },
    );
    // Events flow to the viewer for a while; then the role goes.
    await new Promise((r) => setTimeout(r, 1500));
    const revoked = await gql(h.server, `mutation($i: RoleGrantInput!) { revokeRole(input: $i) }`, {
      i: roleGrant,
    });
    expect(revoked.data!.revokeRole).toBe(true);
    const seen = await watching;
    expect(seen.events.length).toBeGreaterThan(0);
    // Holding no role anywhere now, the last answer is the root field's FORBIDDEN; then the end.
    expect(seen.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: "FORBIDDEN" }) }),
    ]);
    expect(seen.completed).toBe(true);
    // It ended long before the run did (six seconds of output).
    const [row] = await h.db.ds.query(`SELECT state FROM run WHERE id = $1`, [
      Buffer.from(runId, "base64url").toString().split(":")[1],
    ]);
    expect(row.state).toBe("running");
  });
});
