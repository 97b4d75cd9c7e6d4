import { beforeAll, describe, expect, it } from "@jest/globals";
import { type GraphQLSchema, parse, visit } from "graphql";
import { aliasesWritten } from "../../src/graphql/alias-scan.js";
import { queryGate } from "../../src/graphql/query-limits.js";
import { type QueryFigures, fieldCostsOf, measureOperations } from "../../src/graphql/query-figures.js";
import { buildRawSchema } from "../../src/graphql/schema.js";
import { QUERY as BENCH_READ } from "../../bench/graphql-read.js";
import { loadConfig } from "../../src/config.js";
import { fragmentChain } from "../support/hostile-queries.js";

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildRawSchema();
});

const figures = (query: string, variables?: Record<string, unknown>): QueryFigures =>
  measureOperations(schema, parse(query), variables)[0]!.figures;

describe("the node limit's count", () => {
  const count = (query: string, variables?: Record<string, unknown>) => figures(query, variables).nodes;

  it("multiplies each connection's page by the pages above it, with the default page where none is asked", () => {
    // 20 operators, 20 deployments each (the default), 20 services each.
    expect(
      count(`{ operators(first: 20) { nodes { id deployments { nodes { services { nodes { id } } } } } } }`),
    ).toBe(20 + 20 * 20 + 20 * 20 * 20);
    expect(count(`{ operators(last: 3) { edges { node { deployments(first: 7) { totalCount } } } } }`)).toBe(
      3 + 21,
    );
  });

  it("reads pages from variables and never counts more than the largest page", () => {
    const q = `query($n: Int) { operators(first: $n) { nodes { deployments(first: 1000) { nodes { id } } } } }`;
    expect(count(q, { n: 5 })).toBe(5 + 5 * 100);
    expect(count(q, {})).toBe(20 + 20 * 100);
  });

  it("counts nodes(ids:) by its ids, and follows fragments", () => {
    const q = `query($ids: [ID!]!) { nodes(ids: $ids) { ...Op } }
      fragment Op on Operator { deployments(first: 10) { nodes { ... on Deployment { services(first: 2) { nodes { id } } } } } }`;
    expect(count(q, { ids: ["a", "b", "c"] })).toBe(3 + 3 * 10 + 3 * 10 * 2);
    expect(count(`{ nodes(ids: ["a", "b"]) { id } }`)).toBe(2);
  });

  it("adds nothing for single objects", () => {
    expect(count(`{ me { name } }`)).toBe(0);
  });
});

describe("the query figures", () => {
  it("measure each fragment once, however often it is spread (the chain took 1.2 s at 8 levels before)", () => {
    for (const levels of [10, 40]) {
      const doc = parse(fragmentChain(levels));
      const started = performance.now();
      const f = measureOperations(schema, doc, {})[0]!.figures;
      expect(performance.now() - started).toBeLessThan(50);
      // Every expanded __typename still pays: the chain is refused by its cost, not by its walk.
      expect(f.cost).toBe(levels === 10 ? 6 ** 10 : 1e15);
      expect(f.depth).toBe(1);
    }
  });

  it("count depth as levels of selections, through fragments", () => {
    expect(figures(`{ me { name } }`).depth).toBe(2);
    expect(
      figures(`{ ...A } fragment A on Query { operators { nodes { ...B } } } fragment B on Operator { id }`)
        .depth,
    ).toBe(3);
  });

  it("count aliases and directives at every spread, and __schema selections", () => {
    const f = figures(
      `query Q @a { ...A ...A a: __typename } fragment A on Query { x: __typename @skip(if: false) y: __schema { __typename } }`,
    );
    expect(f.aliases).toBe(5);
    expect(f.directives).toBe(3);
    expect(f.schemaReads).toBe(2);
  });

  it("charge every alias of an expensive field, and multiply by the pages above it", () => {
    const log = (limit: number) => `run(id: "x") { log(limit: ${limit}) { text } }`;
    expect(figures(`{ ${log(1048576)} }`).cost).toBe(1 + 1 + 262144 + 1);
    expect(figures(`{ a: ${log(1048576)} b: ${log(1048576)} }`).cost).toBe(2 * (1 + 1 + 262144 + 1));
    // A limit past the largest page is refused when it runs; it costs the largest page.
    expect(figures(`query($n: Int!) { ${log(1)} }`.replace("limit: 1", "limit: $n"), { n: 1e9 }).cost).toBe(
      1 + 1 + 262144 + 1,
    );
    expect(figures(`{ runs(first: 10) { nodes { progress { planned } } } }`).cost).toBe(
      1 + 10 * (1 + 100_000 + 1),
    );
    expect(figures(`{ __schema { types { name } } }`).cost).toBe(100_000 + 1 + 1);
  });

  it("leave the benchmark's nested read well under the default limits", () => {
    const limits = loadConfig({}).graphqlLimits;
    const f = figures(BENCH_READ);
    expect(f.cost).toBeLessThan(limits.cost / 2);
    expect(f.nodes).toBeLessThan(limits.nodes);
    expect(f.depth).toBeLessThanOrEqual(limits.depth);
  });

  it("find every field of the cost table in the schema", () => {
    expect(fieldCostsOf(schema).size).toBeGreaterThan(10);
  });
});

describe("the aliases written in a query's text, counted before it is parsed", () => {
  // Aliased fields in the parsed document, each written once (fragments not multiplied).
  const parsedAliases = (query: string) => {
    let n = 0;
    visit(parse(query), { Field: (f) => void (f.alias ? n++ : 0) });
    return n;
  };

  it.each([
    `{ a: __typename b: __typename }`,
    `query Q($x: Int = 3, $o: OperatorFilter = { nameContains: "a:b" }) { ops: operators(first: $x, filter: $o) { nodes { id } } }`,
    `{ x: run(id: "a:b\\":c") { l: log(limit: 1) { t: text } } }`,
    `{ x: run(id: """block "" : string \\""" still:""") { id } }`,
    `# a: comment with colons\n{ y: __typename # z: too\n}`,
    `{ ...F } fragment F on Query { a: __typename b: __schema { t: types { name } } }`,
    `{ __typename @skip(if: false) k: __typename @include(if: true) }`,
  ])("matches the parsed document: %s", (query) => {
    expect(aliasesWritten(query)).toBe(parsedAliases(query));
  });

  it("is never more than the full measurement, which counts a fragment at every spread", () => {
    const q = `{ ...F ...F ...F } fragment F on Query { a: __typename b: __typename }`;
    expect(aliasesWritten(q)).toBe(2);
    expect(figures(q).aliases).toBe(6);
  });
});

describe("the query gate's memory of refusals", () => {
  const gateOf = () => queryGate(schema, loadConfig({ DATABASE_URL: "postgres://x/y" }).graphqlLimits);

  it("answers a repeated refused text the same, and never keeps a refusal that variables decided", () => {
    const gate = gateOf();
    const chain = fragmentChain(10, 6);
    expect(gate.check(chain, undefined)?.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX" });
    expect(gate.check(chain, undefined)?.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX" });
    // The cost of a log page depends on its limit, a variable: the second, small page is let through.
    const q = `query($l: Int!) { a: run(id: "x") { log(limit: $l) { text } } b: run(id: "y") { log(limit: $l) { text } } }`;
    expect(gate.check(q, { l: 1048576 })?.extensions).toMatchObject({ limit: "cost" });
    expect(gate.check(q, { l: 1024 })).toBeNull();
  });

  it("lets a repeated accepted text through again, and still refuses another text over a limit", () => {
    const gate = gateOf();
    const ok = `{ a: __typename b: __typename }`;
    expect(gate.check(ok, undefined)).toBeNull();
    expect(gate.check(ok, undefined)).toBeNull();
    expect(gate.check(fragmentChain(10, 6), undefined)?.extensions).toMatchObject({
      code: "QUERY_TOO_COMPLEX",
    });
    expect(gate.check(ok, { unused: 1 })).toBeNull();
  });
});
