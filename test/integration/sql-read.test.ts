import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { type TestServer, as, authHeaders, gql, startTestServer } from "../support/server.js";

/**
 * One-statement reads (src/graphql/sql-read/) answer exactly what the resolvers answer: for random
 * selections (fields, aliases, fragments, __typename), page sizes and cursors, and callers of different
 * reach, a server answering in SQL and one with GRAPHQL_SQL_READS=false give equal responses, and the
 * first ran one statement.
 */

type Level = "operator" | "deployment" | "service";
const LEAVES: Record<Level, string[]> = {
  operator: [
    "id",
    "slug",
    "name",
    "contactEmail",
    "dnsZone",
    "status",
    "quota { storageGib vcpus memoryGib }",
    "bespokeInfo",
    "createdAt",
    "updatedAt",
    "__typename",
  ],
  deployment: [
    "id",
    "name",
    "stagedGeneration",
    "deployedGeneration",
    "deployedAt",
    "createdAt",
    "updatedAt",
  ],
  service: [
    "id",
    "enabled",
    "domain",
    "options",
    "blockStorageGib",
    "blobStorageGib",
    "vcpus",
    "memoryGib",
    "backupPolicy { enabled schedule source keep { last daily } minimum { daily } }",
    "createdAt",
    "updatedAt",
  ],
};
const CHILD: Partial<Record<Level, [string, Level]>> = {
  operator: ["deployments", "deployment"],
  deployment: ["services", "service"],
};

const pageArgs = fc.record({ first: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }) });

/** A selection of a node's fields (some aliased), and its child connection, possibly in a fragment. */
const nodeSelection = (level: Level): fc.Arbitrary<string> => {
  const child = CHILD[level];
  return fc
    .tuple(
      fc.subarray(LEAVES[level], { minLength: 1 }),
      fc.boolean(),
      child ? fc.option(connection(child[1]), { nil: undefined }) : fc.constant(undefined),
      fc.boolean(),
    )
    .map(([leaves, alias, sub, fragment]) => {
      const fields = leaves.map((l, i) => (alias && i === 0 && !l.startsWith("__") ? `a${i}: ${l}` : l));
      if (sub && child) fields.push(`${child[0]}${sub}`);
      const body = fields.join(" ");
      return fragment ? `{ ... on ${level[0]!.toUpperCase()}${level.slice(1)} { ${body} } }` : `{ ${body} }`;
    });
};

function connection(level: Level): fc.Arbitrary<string> {
  return fc
    .tuple(
      pageArgs,
      fc.subarray(["edges", "nodes", "pageInfo", "totalCount", "__typename"], { minLength: 1 }),
      nodeSelection(level),
      fc.subarray(["hasNextPage", "hasPreviousPage", "startCursor", "endCursor"], { minLength: 1 }),
    )
    .map(([args, parts, node, info]) => {
      const a = args.first === undefined ? "" : `(first: ${args.first})`;
      const body = parts.map((p) =>
        p === "edges"
          ? `edges { cursor node ${node} }`
          : p === "nodes"
            ? `nodes ${node}`
            : p === "pageInfo"
              ? `pageInfo { ${info.join(" ")} }`
              : p,
      );
      return `${a} { ${body.join(" ")} }`;
    });
}

describe("one-statement reads", () => {
  let db: TestDatabase;
  let sql: TestServer;
  let resolvers: TestServer;
  const subjects: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const f = factories(db.ds);
    const types = await f.catalog();
    for (let p = 0; p < 2; p++) {
      const provider = await f.provider();
      await db.ds.query(
        `INSERT INTO backup_default (provider_id, service_type_id, schedule, keep_daily, min_keep_daily)
         SELECT $1, id, '0 3 * * *', 7, 2 FROM service_type WHERE provider_id = $1 AND slug = $2`,
        [provider.id, types.mastodon],
      );
      for (let i = 0; i < 4; i++) {
        // Names that sort and escape differently: quotes, backslashes, non-ASCII.
        const op = await f.operator(provider.id);
        await db.ds.query(`UPDATE operator SET name = $2, bespoke_info = $3 WHERE id = $1`, [
          op.id,
          [`Zoë "${i}"`, `back\\slash ${i}`, `ops ${i}`, `Ärger ${i}`][i],
          { tier: i, note: "ü\n" },
        ]);
        for (let j = 0; j < 3; j++) {
          const d = await f.deployment(op.id);
          for (const [k, slug] of ["mastodon", "pixelfed"].entries()) {
            const s = await f.service(d.id, types[slug]!, `s${j}${k}.${op.zone}`);
            if (j === 1 && k === 0) {
              await db.ds.query(
                `INSERT INTO backup_policy (service_id, enabled, schedule, keep_last, keep_daily)
                 VALUES ($1, false, '0 4 * * *', 3, 9)`,
                [s.id],
              );
            }
          }
        }
        if (p === 0 && i === 0) {
          const [u] = await db.ds.query(`SELECT 'user:' || gen_random_uuid() AS s`);
          await db.ds.query(
            `INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', $1, 'operator-admin', $2)`,
            [u.s, `operator:${op.id}`],
          );
          subjects.push(u.s);
        }
      }
      if (p === 1) {
        const [u] = await db.ds.query(`SELECT 'user:' || gen_random_uuid() AS s`);
        await db.ds.query(
          `INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', $1, 'provider-admin', $2)`,
          [u.s, `provider:${provider.id}`],
        );
        subjects.push(u.s);
      }
    }
    // Many requests per principal: the GraphQL rate limit is not what this is about.
    const unlimited = { RATE_LIMIT_GRAPHQL: "1000000000" };
    sql = await startTestServer(db.ds, { ...unlimited, GRAPHQL_SQL_COUNT_HEADER: "true" });
    resolvers = await startTestServer(db.ds, { ...unlimited, GRAPHQL_SQL_READS: "false" });
  });
  afterAll(async () => {
    await sql?.stop();
    await resolvers?.stop();
    await db?.drop();
  });

  const both = async (query: string, variables: Record<string, unknown>, subject?: string) => {
    const headers = subject ? as(subject) : undefined;
    const [a, b] = await Promise.all([
      gql(sql, query, variables, headers),
      gql(resolvers, query, variables, headers),
    ]);
    return { a, b };
  };

  it("answers random selections, page sizes and callers exactly as the resolvers do, in one statement", async () => {
    await fc.assert(
      fc.asyncProperty(
        connection("operator"),
        fc.integer({ min: -1, max: subjects.length - 1 }),
        async (selection, who) => {
          const query = `{ ops: operators${selection} }`;
          const subject = who < 0 ? undefined : subjects[who];
          const { a, b } = await both(query, {}, subject);
          expect(a.errors).toBeUndefined();
          expect(a.data).toEqual(b.data);
          // Its access is cached after the first request of a subject: then the read is one statement. The
          // fewer of two: background work (a policy reload, a rate-limit flush) may land in one request's count.
          const again = Math.min(
            await fetchStatements(query, subject),
            await fetchStatements(query, subject),
          );
          expect(again).toBe(1);
        },
      ),
      { numRuns: 60 },
    );
  });

  async function fetchStatements(query: string, subject?: string): Promise<number> {
    const res = await fetch(`${sql.url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(await authHeaders(sql, subject ? as(subject) : {})),
      },
      body: JSON.stringify({ query }),
    });
    expect(res.status).toBe(200);
    return Number(res.headers.get("x-sql-statements"));
  }

  it("pages on with the cursors it hands out, forward through every operator", async () => {
    const query = `query($after: String) { operators(first: 3, after: $after) {
      edges { cursor node { name deployments(first: 1) { edges { cursor } pageInfo { hasNextPage endCursor } } } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
    let after: string | null = null;
    let seen = 0;
    for (;;) {
      const { a, b } = await both(query, { after });
      expect(a.data).toEqual(b.data);
      const page = (
        a.data as { operators: { edges: unknown[]; pageInfo: { hasNextPage: boolean; endCursor: string } } }
      ).operators;
      seen += page.edges.length;
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toBe(8);
  });

  it("leaves what it does not read in SQL to the resolvers: their answers and errors stay as they were", async () => {
    for (const [query, variables] of [
      [`{ operators(first: 2, filter: { status: ACTIVE }) { nodes { name provider { name } } } }`, {}],
      [`query($f: Int) { operators(first: $f) { nodes { name } } }`, { f: 1000 }],
      [`{ operators(after: "not-a-cursor") { nodes { name } } }`, {}],
      [`query($s: Boolean!) { operators { nodes { name @include(if: $s) } } }`, { s: false }],
      [`{ operators(last: 2) { nodes { name } } }`, {}],
    ] as const) {
      const { a, b } = await both(query, variables);
      expect(a).toEqual(b);
    }
  });

  it("refuses a caller without the permission as the resolvers do", async () => {
    const query = `{ operators { nodes { name } } }`;
    const { a, b } = await both(query, {}, "user:6f1e3c1a-0000-4000-8000-000000000001");
    expect(a.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(a).toEqual(b);
  });
});
