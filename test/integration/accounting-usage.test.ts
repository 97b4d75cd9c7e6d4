import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { RunningServer } from "../../src/server.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { gql, startTestServer } from "../support/server.js";

const REPORT = `query($operator: ID!, $from: DateTimeISO!, $to: DateTimeISO!) {
  usageReport(operator: $operator, from: $from, to: $to) {
    from to bookedStorageGibHours bookedVcpuHours bookedMemoryGibHours runsSucceeded runsFailed operator { slug }
    services { serviceType serviceDays blockStorageGibHours blobStorageGibHours }
  }
}`;

type Interval = { from: string; to: string | null };

describe("usage records", () => {
  let db: TestDatabase;
  let server: RunningServer;
  let provider: { id: string; gid: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    const f = factories(db.ds);
    await f.catalog();
    provider = await f.provider();
    server = await startTestServer(db.ds);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  const ok = async (query: string, variables: Record<string, unknown>) => {
    const res = await gql(server, query, variables);
    expect(res.errors).toBeUndefined();
    return res.data!;
  };

  const intervals = async (
    table: string,
    where: string,
    id: string,
    cols: string,
  ): Promise<(Interval & Record<string, unknown>)[]> => {
    const [start, end] =
      table === "usage_service" ? ["enabled_from", "disabled_at"] : ["valid_from", "valid_to"];
    return db.ds.query(
      `SELECT ${cols}, ${start}::text AS from, ${end}::text AS to FROM ${table} WHERE ${where} = $1 ORDER BY ${start}, ${end} NULLS LAST`,
      [id],
    );
  };

  /** Intervals follow each other without gap or overlap, the last one open. */
  const expectChained = (rows: Interval[]) => {
    rows.slice(1).forEach((r, i) => expect(r.from).toBe(rows[i]!.to));
    expect(rows[rows.length - 1]!.to).toBeNull();
  };

  it("books quota intervals from creation on, one per change, adjacent", async () => {
    const created = await ok(
      `mutation($input: CreateOperatorInput!) { createOperator(input: $input) { id } }`,
      {
        input: {
          providerId: provider.gid,
          name: "Usage Club",
          slug: "usage-club",
          contactEmail: "admin@usage.example",
          dnsZone: "usage.example",
          quota: { storageGib: 100, vcpus: 4, memoryGib: 8 },
        },
      },
    );
    const gid = created.createOperator.id as string;
    const id = Buffer.from(gid, "base64url").toString().split(":")[1]!;
    const quota = `mutation($id: ID!, $s: Int!) { setOperatorQuota(id: $id, quota: { storageGib: $s, vcpus: 4, memoryGib: 8 }) { id } }`;
    await ok(quota, { id: gid, s: 200 });
    await ok(quota, { id: gid, s: 200 }); // no change, no interval
    await ok(`mutation($id: ID!) { updateOperator(id: $id, input: { name: "Usage Club 2" }) { id } }`, {
      id: gid,
    });
    await ok(quota, { id: gid, s: 50 });
    const rows = await intervals(
      "usage_quota",
      "operator_id",
      id,
      "storage_gib AS s, vcpus AS v, memory_gib AS m",
    );
    expect(rows.map((r) => r.s)).toEqual([100, 200, 50]);
    expect(rows.every((r) => r.v === 4 && r.m === 8)).toBe(true);
    expectChained(rows);
  });

  it("records services enabled from / disabled at and storage per service over time", async () => {
    const f = factories(db.ds);
    const op = await f.operator(provider.id);
    const d = await f.deployment(op.id);
    const add = `mutation($input: AddServiceInput!) { addService(input: $input) { id } }`;
    const svc = (
      await ok(add, {
        input: {
          deploymentId: d.gid,
          serviceType: "mastodon",
          domain: `social.${op.zone}`,
          blockStorageGib: 20,
          blobStorageGib: 100,
        },
      })
    ).addService.id as string;
    const sid = Buffer.from(svc, "base64url").toString().split(":")[1]!;
    const other = (
      await ok(add, {
        input: { deploymentId: d.gid, serviceType: "pixelfed", domain: `pics.${op.zone}`, enabled: false },
      })
    ).addService.id as string;
    const oid = Buffer.from(other, "base64url").toString().split(":")[1]!;

    await ok(`mutation($id: ID!) { disableService(id: $id) { id } }`, { id: svc });
    await ok(`mutation($id: ID!) { configureService(id: $id, input: { blockStorageGib: 30 }) { id } }`, {
      id: svc,
    });
    await ok(`mutation($id: ID!) { configureService(id: $id, input: { vcpus: 2 }) { id } }`, { id: svc });
    await ok(`mutation($id: ID!) { enableService(id: $id) { id } }`, { id: svc });
    await ok(`mutation($id: ID!) { enableService(id: $id) { id } }`, { id: other });

    const enabled = await intervals(
      "usage_service",
      "service_id",
      sid,
      "service_type AS t, operator_id AS o",
    );
    expect(enabled).toHaveLength(2);
    expect(enabled[0]!.to).not.toBeNull();
    expect(enabled[1]!.to).toBeNull();
    expect(enabled[0]).toMatchObject({ t: "mastodon", o: op.id });
    const storage = await intervals(
      "usage_storage",
      "service_id",
      sid,
      "block_storage_gib AS b, blob_storage_gib AS l",
    );
    expect(storage.map((r) => [r.b, r.l])).toEqual([
      [20, 100],
      [30, 100],
    ]);
    expectChained(storage);
    // A service added disabled has storage from the start, and enabled time only once enabled.
    expect(await intervals("usage_service", "service_id", oid, "service_type")).toHaveLength(1);
    expect(await intervals("usage_storage", "service_id", oid, "service_type")).toHaveLength(1);

    await ok(`mutation($id: ID!) { removeService(id: $id) }`, { id: svc });
    expect((await intervals("usage_service", "service_id", sid, "1")).every((r) => r.to !== null)).toBe(true);
    expect((await intervals("usage_storage", "service_id", sid, "1")).every((r) => r.to !== null)).toBe(true);

    await ok(`mutation($id: ID!) { deleteDeployment(id: $id) }`, { id: d.gid });
    expect((await intervals("usage_service", "service_id", oid, "1")).every((r) => r.to !== null)).toBe(true);
    expect((await intervals("usage_storage", "service_id", oid, "1")).every((r) => r.to !== null)).toBe(true);
  });

  it("reports usage exactly across changes at and around the period boundaries", async () => {
    const op = await factories(db.ds).operator(provider.id);
    const q = (sql: string, params: unknown[]) => db.ds.query(sql, [op.id, ...params]);
    // February 2026: 28 days, 672 hours.
    for (const [s, v, m, from, to] of [
      [100, 2, 4, "2026-01-15T00:00:00Z", "2026-02-10T12:00:00Z"], // 228 h inside
      [300, 4, 8, "2026-02-10T12:00:00Z", "2026-03-01T00:00:00Z"], // 444 h inside
      [500, 8, 16, "2026-03-01T00:00:00Z", null], // starts exactly at the end: nothing
    ] as const) {
      await q(
        `INSERT INTO usage_quota (operator_id, storage_gib, vcpus, memory_gib, valid_from, valid_to) VALUES ($1, $2, $3, $4, $5, $6)`,
        [s, v, m, from, to],
      );
    }
    const service = (type: string, from: string, to: string | null) =>
      q(
        `INSERT INTO usage_service (service_id, deployment_id, operator_id, service_type, enabled_from, disabled_at)
         VALUES (gen_random_uuid(), gen_random_uuid(), $1, $2, $3, $4)`,
        [type, from, to],
      );
    await service("mastodon", "2026-01-31T18:00:00Z", "2026-02-02T06:00:00Z"); // 1.25 days inside
    await service("mastodon", "2026-02-27T00:00:00Z", null); // open: 2 days inside
    await service("pixelfed", "2026-02-28T23:00:00Z", "2026-03-01T01:00:00Z"); // 1 hour inside
    await service("forgejo", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"); // ends exactly at the start
    const storage = (type: string, block: number, blob: number, from: string, to: string | null) =>
      q(
        `INSERT INTO usage_storage (service_id, deployment_id, operator_id, service_type, block_storage_gib, blob_storage_gib, valid_from, valid_to)
         VALUES (gen_random_uuid(), gen_random_uuid(), $1, $2, $3, $4, $5, $6)`,
        [type, block, blob, from, to],
      );
    await storage("mastodon", 20, 100, "2026-01-01T00:00:00Z", null);
    await storage("pixelfed", 10, 0, "2026-02-28T23:00:00Z", "2026-03-01T01:00:00Z");
    const run = (outcome: string, at: string) =>
      q(
        `INSERT INTO accounting_event (event_type, action, outcome, initiator, target_kind, operator_id, occurred_at)
         VALUES ('activity', 'apply', $2, '{"kind": "system"}', 'run', $1, $3)`,
        [outcome, at],
      );
    await run("success", "2026-02-01T00:00:00Z"); // at the start: inside
    await run("success", "2026-02-28T23:59:59.999999Z");
    await run("failure", "2026-02-15T00:00:00Z");
    await run("pending", "2026-02-15T00:00:00Z"); // enqueued, not ended
    await run("failure", "2026-03-01T00:00:00Z"); // at the end: outside

    const feb = (
      await ok(REPORT, { operator: op.gid, from: "2026-02-01T00:00:00Z", to: "2026-03-01T00:00:00Z" })
    ).usageReport;
    expect(feb).toMatchObject({
      from: "2026-02-01T00:00:00.000Z",
      to: "2026-03-01T00:00:00.000Z",
      operator: { slug: op.slug },
      bookedStorageGibHours: 100 * 228 + 300 * 444,
      bookedVcpuHours: 2 * 228 + 4 * 444,
      bookedMemoryGibHours: 4 * 228 + 8 * 444,
      runsSucceeded: 2,
      runsFailed: 1,
    });
    const byType = Object.fromEntries(feb.services.map((s: { serviceType: string }) => [s.serviceType, s]));
    expect(Object.keys(byType).sort()).toEqual(["mastodon", "pixelfed"]);
    expect(byType.mastodon).toEqual({
      serviceType: "mastodon",
      serviceDays: 3.25,
      blockStorageGibHours: 20 * 672,
      blobStorageGibHours: 100 * 672,
    });
    expect(byType.pixelfed.serviceDays).toBeCloseTo(1 / 24, 12);
    expect(byType.pixelfed.blockStorageGibHours).toBe(10);

    // One hour that starts exactly at a quota change counts only the new quota.
    const hour = (
      await ok(REPORT, { operator: op.gid, from: "2026-02-10T12:00:00Z", to: "2026-02-10T13:00:00Z" })
    ).usageReport;
    expect(hour).toMatchObject({ bookedStorageGibHours: 300, bookedVcpuHours: 4, bookedMemoryGibHours: 8 });
    // Splitting a period anywhere splits the figures exactly.
    const a = (
      await ok(REPORT, { operator: op.gid, from: "2026-02-01T00:00:00Z", to: "2026-02-10T12:30:00Z" })
    ).usageReport;
    const b = (
      await ok(REPORT, { operator: op.gid, from: "2026-02-10T12:30:00Z", to: "2026-03-01T00:00:00Z" })
    ).usageReport;
    expect(a.bookedStorageGibHours + b.bookedStorageGibHours).toBe(feb.bookedStorageGibHours);
  });

  it("refuses an empty period and an unknown operator", async () => {
    const op = await factories(db.ds).operator(provider.id);
    const same = await gql(server, REPORT, {
      operator: op.gid,
      from: "2026-02-01T00:00:00Z",
      to: "2026-02-01T00:00:00Z",
    });
    expect(same.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "to" });
    const gone = Buffer.from("Operator:00000000-0000-4000-8000-000000000000").toString("base64url");
    const unknown = await gql(server, REPORT, {
      operator: gone,
      from: "2026-02-01T00:00:00Z",
      to: "2026-03-01T00:00:00Z",
    });
    expect(unknown.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });
});
