import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { recordEvent } from "../../src/accounting/record-event.js";
import { sealPending } from "../../src/accounting/sealer.js";
import type { RunningServer } from "../../src/server.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { gql, startTestServer } from "../support/server.js";

const EVENTS = `query($filter: AccountingEventFilter, $first: Int, $after: String) {
  accountingEvents(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id occurredAt eventType action outcome observer reason requestId changes chain seq prevHash hash
            initiator { kind id name ip userAgent } target { kind id operatorId } operator { slug } }
  }
}`;

describe("accounting events", () => {
  let db: TestDatabase;
  let server: RunningServer;
  let op: { id: string; gid: string; slug: string };
  let other: { id: string; gid: string; slug: string };
  let catalog: Record<string, string>;
  const count = async (operatorId: string) =>
    Number(
      (
        await db.ds.query(`SELECT count(*)::int AS n FROM accounting_event WHERE operator_id = $1`, [
          operatorId,
        ])
      )[0].n,
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    const f = factories(db.ds);
    catalog = await f.catalog();
    const provider = await f.provider();
    op = await f.operator(provider.id, { quota: [100, 4, 8] });
    other = await f.operator(provider.id);
    server = await startTestServer(db.ds);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it("writes none for a mutation that fails validation or rolls back, and one with before/after on commit", async () => {
    const before = await count(op.id);
    const invalid = await gql(
      server,
      `mutation($id: ID!) { updateOperator(id: $id, input: { contactEmail: "nope" }) { id } }`,
      {
        id: op.gid,
      },
    );
    expect(invalid.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");

    // The quota update is written, then the quota check fails: the whole transaction rolls back.
    const d = await factories(db.ds).deployment(op.id);
    await factories(db.ds).service(d.id, catalog.mastodon!, `social.${op.slug}.example`, {
      block: 50,
      blob: 40,
    });
    const rolledBack = await gql(
      server,
      `mutation($id: ID!) { setOperatorQuota(id: $id, quota: { storageGib: 10, vcpus: 4, memoryGib: 8 }) { id } }`,
      { id: op.gid },
    );
    expect(rolledBack.errors?.[0]?.extensions?.code).toBe("QUOTA_EXCEEDED");
    expect(await count(op.id)).toBe(before);

    const res = await gql(
      server,
      `mutation($id: ID!) { updateOperator(id: $id, input: { name: "Renamed Club" }) { name } }`,
      { id: op.gid },
      { "x-request-id": "req-rename-1", "user-agent": "audit-test/1.0" },
    );
    expect(res.errors).toBeUndefined();
    expect(await count(op.id)).toBe(before + 1);
    const [e] = await db.ds.query(
      `SELECT action, outcome, event_type, target_kind, target_id, observer, request_id, initiator, changes
         FROM accounting_event WHERE operator_id = $1 ORDER BY id DESC LIMIT 1`,
      [op.id],
    );
    expect(e).toMatchObject({
      action: "update",
      outcome: "success",
      event_type: "activity",
      target_kind: "operator",
      target_id: op.id,
      observer: "fedicentral",
      request_id: "req-rename-1",
      changes: { name: { before: `Operator ${op.slug}`, after: "Renamed Club" } },
    });
    expect(e.initiator.userAgent).toBe("audit-test/1.0");
    expect(e.initiator.ip).toMatch(/127\.0\.0\.1/);
  });

  it("lists events newest first with the filter, paged by keyset cursors, with their chain fields once sealed", async () => {
    for (const name of ["A", "B", "C"]) {
      const r = await gql(
        server,
        `mutation($id: ID!, $n: String!) { updateOperator(id: $id, input: { name: $n }) { id } }`,
        {
          id: other.gid,
          n: `Other ${name}`,
        },
      );
      expect(r.errors).toBeUndefined();
    }
    await db.ds.transaction((tx) =>
      recordEvent(
        tx,
        {
          requestId: "req-deny",
          principal: { kind: "user", id: "user-42", name: "Mallory" },
          client: { ip: "192.0.2.7", userAgent: "x" },
        },
        {
          action: "delete",
          outcome: "failure",
          eventType: "control",
          reason: "denied",
          targetKind: "deployment",
          targetId: "d1",
          operatorId: other.id,
        },
      ),
    );
    await sealPending(db.ds);

    const all = await gql(server, EVENTS, { filter: { operator: other.gid }, first: 2 });
    expect(all.errors).toBeUndefined();
    const page1 = all.data!.accountingEvents;
    expect(page1.totalCount).toBe(4);
    expect(page1.nodes.map((n: { action: string }) => n.action)).toEqual(["delete", "update"]);
    expect(page1.nodes[0]).toMatchObject({
      outcome: "FAILURE",
      eventType: "CONTROL",
      reason: "denied",
      initiator: { kind: "user", id: "user-42", name: "Mallory", ip: "192.0.2.7" },
      target: { kind: "deployment", id: "d1", operatorId: other.gid },
      operator: { slug: other.slug },
      chain: other.id,
    });
    expect(page1.nodes[0].occurredAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(page1.nodes[0].hash).toMatch(/^[0-9a-f]{64}$/);
    expect(page1.nodes[0].seq).toBe(page1.nodes[1].seq + 1);
    expect(page1.nodes[0].prevHash).toBe(page1.nodes[1].hash);

    const page2 = (
      await gql(server, EVENTS, {
        filter: { operator: other.gid },
        first: 2,
        after: page1.pageInfo.endCursor,
      })
    ).data!.accountingEvents;
    expect(page2.nodes.map((n: { changes: { name: { after: string } } }) => n.changes.name.after)).toEqual([
      "Other B",
      "Other A",
    ]);
    expect(page2.pageInfo.hasNextPage).toBe(false);

    const pick = async (filter: Record<string, unknown>) =>
      (await gql(server, EVENTS, { filter: { operator: other.gid, ...filter } })).data!.accountingEvents
        .totalCount;
    expect(await pick({ outcome: "FAILURE" })).toBe(1);
    expect(await pick({ action: "update" })).toBe(3);
    expect(await pick({ targetKind: "deployment" })).toBe(1);
    expect(await pick({ initiator: "user-42" })).toBe(1);
    expect(await pick({ initiator: "Mallory" })).toBe(1);
    const newest = page1.nodes[0].occurredAt;
    expect(await pick({ to: "2000-01-01T00:00:00Z" })).toBe(0);
    expect(
      await pick({ from: "2000-01-01T00:00:00Z", to: new Date(Date.parse(newest) + 1000).toISOString() }),
    ).toBe(4);
  });

  it("refuses a filter operator of the wrong type", async () => {
    const res = await gql(server, EVENTS, { filter: { operator: "not-an-id" } });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "filter.operator" });
  });
});
