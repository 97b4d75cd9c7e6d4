import type { ApolloServerPlugin } from "@apollo/server";
import {
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  Kind,
  getNamedType,
  isInterfaceType,
  isObjectType,
} from "graphql";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./connection.js";

type Variables = Record<string, unknown> | undefined;

function valueOf(node: ValueNode | undefined, variables: Variables): unknown {
  if (!node) return undefined;
  if (node.kind === Kind.VARIABLE) return variables?.[node.name.value];
  if (node.kind === Kind.INT) return Number(node.value);
  if (node.kind === Kind.LIST) return node.values;
  return undefined;
}

/**
 * How many items a field can return at most, times its parent's: a connection's first or last (its
 * default when neither is given, never more than the largest page), the length of nodes(ids:); else 1.
 */
function fanOut(args: Map<string, ValueNode>, variables: Variables): number {
  if (args.has("ids")) {
    const ids = valueOf(args.get("ids"), variables);
    return Array.isArray(ids) ? ids.length : 1;
  }
  const page = [valueOf(args.get("first"), variables), valueOf(args.get("last"), variables)].find(
    (v) => typeof v === "number",
  ) as number | undefined;
  return Math.min(Math.max(page ?? DEFAULT_PAGE_SIZE, 0), MAX_PAGE_SIZE);
}

/**
 * The most objects an operation can return, counted as GitHub's GraphQL API counts its node limit:
 * every connection (or node list) adds its page size times the pages above it. Fragments are followed;
 * a cycle of them adds nothing (validation refuses those anyway).
 */
export function maxNodes(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Variables,
): number {
  const root =
    operation.operation === "query"
      ? schema.getQueryType()
      : operation.operation === "mutation"
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  const count = (
    set: SelectionSetNode,
    type: GraphQLNamedType | null | undefined,
    multiplier: number,
    seen: Set<string>,
  ): number => {
    let total = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.INLINE_FRAGMENT) {
        const on = s.typeCondition ? schema.getType(s.typeCondition.name.value) : type;
        total += count(s.selectionSet, on, multiplier, seen);
      } else if (s.kind === Kind.FRAGMENT_SPREAD) {
        const f = fragments[s.name.value];
        if (!f || seen.has(f.name.value)) continue;
        const on = schema.getType(f.typeCondition.name.value);
        total += count(f.selectionSet, on, multiplier, new Set(seen).add(f.name.value));
      } else if (s.selectionSet && (isObjectType(type) || isInterfaceType(type))) {
        const field = type.getFields()[s.name.value];
        if (!field) continue;
        const args = new Map((s.arguments ?? []).map((a) => [a.name.value, a.value]));
        const listed = field.args.some((a) => a.name === "first" || a.name === "ids");
        const below = listed ? multiplier * fanOut(args, variables) : multiplier;
        total += (listed ? below : 0) + count(s.selectionSet, getNamedType(field.type), below, seen);
      }
    }
    return total;
  };
  return count(operation.selectionSet, root, 1, new Set());
}

/** Refuses, before execution, an operation that could return more than max objects. */
export function nodeLimit<T extends object>(max: number): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, operation, document, request }) {
          if (!operation) return;
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const d of document.definitions)
            if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
          const n = maxNodes(schema, operation, fragments, request.variables);
          if (n > max) {
            throw new GraphQLError(
              `this query could return ${n} objects; the limit is ${max} (ask for smaller pages, or fewer levels)`,
              { extensions: { code: "BAD_USER_INPUT", http: { status: 400 } } },
            );
          }
        },
      };
    },
  };
}
