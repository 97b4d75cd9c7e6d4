import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { gql, startTestServer } from "../support/server.js";
import type { RunningServer } from "../../src/server.js";

type Page = {
  edges: { cursor: string; node: { name: string; id: string } }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string; startCursor: string };
  totalCount: number;
};

describe("keyset connections, filters and node(id)", () => {
  let db: TestDatabase;
  let server: RunningServer;
  let provider: { id: string; gid: string };
  const names = Array.from({ length: 23 }, (_, i) => `Op ${String(i).padStart(2, "0")}`);

  beforeAll(async () => {
    db = await createTestDatabase();
    const f = factories(db.ds);
    provider = await f.provider();
    for (const [i, name] of names.entries()) {
      await f.operator(provider.id, { name, status: i % 3 === 0 ? "suspended" : "active" });
    }
    // Same name twice: the id breaks the tie, so no row is skipped or repeated across pages.
    await f.operator(provider.id, { name: "Op 05" });
    server = await startTestServer(db.ds);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  const page = async (vars: {
    first?: number;
    last?: number;
    after?: string | null;
    before?: string | null;
  }) => {
    const res = await gql<{ operators: Page }>(
      server,
      `query($first: Int, $last: Int, $after: String, $before: String, $p: String) {
        operators(first: $first, last: $last, after: $after, before: $before, filter: { providerId: $p }) {
        edges { cursor node { id name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount } }`,
      { p: provider.gid, ...vars },
    );
    expect(res.errors).toBeUndefined();
    return res.data!.operators;
  };

  it("walks forward through every operator exactly once, in name order", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const p: Page = await page({ first: 5, after });
      seen.push(...p.edges.map((e) => e.node.id));
      expect(p.totalCount).toBe(24);
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(24);
    expect(new Set(seen).size).toBe(24);
  });

  it("walks backward with last/before and gets the same order", async () => {
    const forward = (await page({ first: 100 })).edges.map((e) => e.node.id);
    const backward: string[] = [];
    let before: string | null = null;
    for (;;) {
      const p: Page = await page({ last: 7, before });
      backward.unshift(...p.edges.map((e) => e.node.id));
      if (!p.pageInfo.hasPreviousPage) break;
      before = p.pageInfo.startCursor;
    }
    expect(backward).toEqual(forward);
  });

  it("filters by status and name, and orders by creation time both ways", async () => {
    const res = await gql(
      server,
      `query($p: String) { suspended: operators(first: 100, filter: { providerId: $p, status: SUSPENDED }) { totalCount nodes { status } }
        named: operators(first: 100, filter: { providerId: $p, nameContains: "op 1" }) { nodes { name } }
        newest: operators(first: 3, filter: { providerId: $p }, orderBy: { field: CREATED_AT, direction: DESC }) { nodes { name } }
        oldest: operators(first: 3, filter: { providerId: $p }, orderBy: { field: CREATED_AT, direction: ASC }) { nodes { name } } }`,
      { p: provider.gid },
    );
    expect(res.errors).toBeUndefined();
    const d = res.data!;
    expect(d.suspended.totalCount).toBe(8);
    expect(d.suspended.nodes.every((n: { status: string }) => n.status === "SUSPENDED")).toBe(true);
    expect(d.named.nodes.map((n: { name: string }) => n.name)).toEqual(
      names.filter((n) => n.startsWith("Op 1")),
    );
    expect(d.oldest.nodes.map((n: { name: string }) => n.name)).toEqual(["Op 00", "Op 01", "Op 02"]);
    expect(d.newest.nodes.map((n: { name: string }) => n.name)).toEqual(["Op 05", "Op 22", "Op 21"]);
  });

  it("refuses page sizes over the limit and forged cursors with BAD_USER_INPUT", async () => {
    const big = await gql(server, `{ operators(first: 1000) { totalCount } }`);
    expect(big.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "first" });
    const forged = await gql(server, `{ operators(first: 1, after: "not-a-cursor") { totalCount } }`);
    expect(forged.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
  });

  it("fetches any object by global id, and null for unknown or malformed ids", async () => {
    const first = (await page({ first: 1 })).edges[0]!.node;
    const res = await gql(
      server,
      `query($id: ID!) { node(id: $id) { __typename id ... on Operator { name } }
        nodes(ids: [$id, "bm9wZQ", "UHJvdmlkZXI6MDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAw"]) { id } }`,
      { id: first.id },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.node).toEqual({ __typename: "Operator", id: first.id, name: first.name });
    expect(res.data!.nodes).toEqual([{ id: first.id }, null, null]);
  });

  it("answers null for a global id whose type names a property every object has", async () => {
    const uuid = "00000000-0000-4000-8000-000000000000";
    const ids = ["constructor", "toString", "__proto__", "hasOwnProperty"].map((type) =>
      Buffer.from(`${type}:${uuid}`).toString("base64url"),
    );
    const res = await gql(server, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids });
    expect(res.errors).toBeUndefined();
    expect(res.data!.nodes).toEqual([null, null, null, null]);
  });

  it("refuses queries nested deeper than the limit", async () => {
    const deep = `{ operators { nodes { deployments { nodes { operator { deployments { nodes { operator { deployments { nodes { services { nodes { deployment { name } } } } } } } } } } } } } }`;
    const res = await gql(server, deep);
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.code).toBe("QUERY_TOO_COMPLEX");
    expect(res.errors?.[0]?.message).toMatch(/nested \d+ levels deep; the limit is 12/);
  });

  it("refuses, before running it, a query that could return more objects than the node limit", async () => {
    const huge = `{ operators(first: 100) { nodes { deployments(first: 100) { nodes {
      services(first: 100) { nodes { id } } } } } } }`;
    const res = await gql(server, huge);
    expect(res.status).toBe(400);
    expect(res.data).toBeUndefined();
    expect(res.errors?.[0]?.extensions).toEqual({ code: "QUERY_TOO_COMPLEX", limit: "nodes", max: 100000 });
    expect(res.errors?.[0]?.message).toMatch(/could return 1010100 objects; the limit is 100000/);
    // The same shape with smaller pages is fine.
    const small = huge.replaceAll("first: 100", "first: 10");
    expect((await gql(server, small)).errors).toBeUndefined();

    const ids = Array.from({ length: 101 }, (_, i) => `x${i}`);
    const tooMany = await gql(server, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "ids" });
  });
});
