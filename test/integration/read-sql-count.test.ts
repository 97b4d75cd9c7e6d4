import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { type TestServer, startTestServer } from "../support/server.js";

const NESTED = `query($first: Int!, $provider: String) {
  operators(first: $first, filter: { providerId: $provider }) {
    edges { cursor node { id slug name contactEmail dnsZone status quota { storageGib vcpus memoryGib } bespokeInfo createdAt
      deployments { edges { node { id name stagedGeneration deployedGeneration
        services { edges { node { id enabled domain options blockStorageGib blobStorageGib vcpus memoryGib
          backupPolicy { schedule keep { daily } } } } } } } } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

describe("nested operator read", () => {
  let db: TestDatabase;
  let server: TestServer;
  const providers: Record<number, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    const f = factories(db.ds);
    const types = await f.catalog();
    for (const n of [5, 50]) {
      const p = await f.provider();
      providers[n] = p.gid;
      for (let i = 0; i < n; i++) {
        const o = await f.operator(p.id);
        for (let j = 0; j < 2; j++) {
          const d = await f.deployment(o.id);
          for (const [k, slug] of ["mastodon", "pixelfed"].entries()) {
            await f.service(d.id, types[slug]!, `s${j}${k}.${o.zone}`);
          }
        }
      }
    }
    server = await startTestServer(db.ds, { GRAPHQL_SQL_COUNT_HEADER: "true" });
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  async function statementsFor(n: number): Promise<number> {
    const res = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${server.token}` },
      body: JSON.stringify({ query: NESTED, variables: { first: 50, provider: providers[n] } }),
    });
    const body = (await res.json()) as {
      data: {
        operators: {
          edges: { node: { deployments: { edges: { node: { services: { edges: unknown[] } } }[] } } }[];
        };
      };
    };
    const ops = body.data.operators.edges;
    expect(ops).toHaveLength(n);
    expect(ops.every((o) => o.node.deployments.edges.length === 2)).toBe(true);
    expect(ops.every((o) => o.node.deployments.edges.every((d) => d.node.services.edges.length === 2))).toBe(
      true,
    );
    return Number(res.headers.get("x-sql-statements"));
  }

  it("uses the same, small number of SQL statements for 5 and for 50 operators", async () => {
    // The first request of a principal also loads its authorization, which the process then keeps.
    await statementsFor(5);
    const five = await statementsFor(5);
    const fifty = await statementsFor(50);
    expect(five).toBeGreaterThan(0);
    expect(fifty).toBe(five);
    expect(fifty).toBeLessThanOrEqual(4);
  });

  it("batches the service type lookup of every service into one more statement", async () => {
    const res = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${server.token}` },
      body: JSON.stringify({
        query: `query($p: String) { operators(first: 50, filter: { providerId: $p }) { nodes { deployments { nodes { services { nodes { serviceType { slug federated } } } } } } } }`,
        variables: { p: providers[50] },
      }),
    });
    const body = (await res.json()) as {
      data: {
        operators: {
          nodes: { deployments: { nodes: { services: { nodes: { serviceType: { slug: string } }[] } }[] } }[];
        };
      };
    };
    const slugs = body.data.operators.nodes.flatMap((o) =>
      o.deployments.nodes.flatMap((d) => d.services.nodes.map((s) => s.serviceType.slug)),
    );
    expect(new Set(slugs)).toEqual(new Set(["mastodon", "pixelfed"]));
    expect(Number(res.headers.get("x-sql-statements"))).toBe(4);
  });
});
