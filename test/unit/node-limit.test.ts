import { beforeAll, describe, expect, it } from "@jest/globals";
import {
  type FragmentDefinitionNode,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  parse,
} from "graphql";
import { buildRawSchema } from "../../src/graphql/schema.js";
import { maxNodes } from "../../src/graphql/node-limit.js";

describe("the node limit's count", () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await buildRawSchema();
  });

  const count = (query: string, variables?: Record<string, unknown>) => {
    const doc = parse(query);
    const op = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
    const fragments = Object.fromEntries(
      doc.definitions
        .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
        .map((f) => [f.name.value, f]),
    );
    return maxNodes(schema, op, fragments, variables);
  };

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
