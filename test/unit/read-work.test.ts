import { describe, expect, it } from "@jest/globals";
import { type ReadAnswer, readWork, workDifference } from "../../bench/support/read-work.js";

// Two answers to the graphql-read bench's query, as fedicentral and as PostGraphile shape them.
const service = (domain: string, nested: boolean) => ({
  id: `s-${domain}`,
  domain,
  ...(nested
    ? { backupPolicy: { schedule: "0 3 * * *", keep: { last: 1, daily: 14 } } }
    : { backupPolicy: { schedule: "0 3 * * *", keepLast: 1, keepDaily: 14 } }),
});
const answer = (domains: string[][], nested = true): ReadAnswer => ({
  operators: {
    edges: [
      {
        cursor: "c1",
        node: {
          slug: "op-1",
          ...(nested ? { quota: { storageGib: 1, vcpus: 2 } } : { quotaStorageGib: 1, quotaVcpus: 2 }),
          deployments: {
            edges: domains.map((ds, i) => ({
              cursor: `d${i}`,
              node: {
                name: `dep-${i}`,
                services: { edges: ds.map((d) => ({ cursor: d, node: service(d, nested) })) },
              },
            })),
          },
        },
      },
    ],
  },
});

describe("the work of a graphql-read answer", () => {
  it("counts rows and values alike whether a group of fields is an object or columns", () => {
    const fedi = readWork(answer([["a", "b"], ["c"]]));
    expect(fedi).toMatchObject({ operators: 1, deployments: 2, services: 3 });
    expect(fedi.rows).toEqual(["op-1/dep-0/a", "op-1/dep-0/b", "op-1/dep-1/c"]);
    expect(workDifference(fedi, readWork(answer([["a", "b"], ["c"]], false)))).toBeNull();
  });

  it("tells a missing row, rows in another order, and a missing field apart", () => {
    const fedi = readWork(answer([["a", "b"], ["c"]]));
    expect(workDifference(fedi, readWork(answer([["a"], ["c"]], false)))).toBe("services: 3 vs 2");
    expect(workDifference(fedi, readWork(answer([["b", "a"], ["c"]], false)))).toBe(
      "row 0: op-1/dep-0/a vs op-1/dep-0/b",
    );
    const short = answer([["a", "b"], ["c"]], false);
    delete (short.operators.edges[0]!.node as { quotaVcpus?: number }).quotaVcpus;
    expect(workDifference(fedi, readWork(short))).toMatch(/^values: \d+ vs \d+$/);
  });
});
