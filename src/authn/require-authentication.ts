import { type ApolloServerPlugin, HeaderMap } from "@apollo/server";
import {
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import { AUTHZ_EXTENSION, type AuthzRule } from "../authz/rules.js";
import { DomainError } from "../common/errors.js";
import type { RequestContext } from "../api/context.js";
import { AuthFailure } from "./bearer.js";

/**
 * Anonymous requests may select only root fields declared public (and __typename): one check per
 * operation, before anything executes, answered with HTTP 401 and a WWW-Authenticate challenge. Leaf
 * fields are never wrapped (that would cost more than the SQL of a large read).
 */
export function requireAuthentication(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, schema, document }) {
          if (contextValue.principal || !operation) return;
          const root = rootType(schema, operation);
          if (!root) return;
          const fragments = new Map(
            document.definitions
              .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
              .map((d) => [d.name.value, d]),
          );
          const closed = rootFields(operation.selectionSet, fragments).filter(
            (name) => !isPublic(root, name),
          );
          if (closed.length > 0) throw unauthenticated(closed);
        },
      };
    },
  };
}

function rootType(schema: GraphQLSchema, op: OperationDefinitionNode): GraphQLObjectType | null | undefined {
  if (op.operation === "query") return schema.getQueryType();
  if (op.operation === "mutation") return schema.getMutationType();
  return schema.getSubscriptionType();
}

/** Names of the root fields selected, through fragments at the root. */
function rootFields(
  set: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  seen = new Set<string>(),
) {
  const names: string[] = [];
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) names.push(s.name.value);
    else if (s.kind === Kind.INLINE_FRAGMENT) names.push(...rootFields(s.selectionSet, fragments, seen));
    else if (!seen.has(s.name.value)) {
      seen.add(s.name.value);
      const f = fragments.get(s.name.value);
      if (f) names.push(...rootFields(f.selectionSet, fragments, seen));
    }
  }
  return names;
}

function isPublic(root: GraphQLObjectType, name: string): boolean {
  if (name === "__typename") return true;
  const rule = root.getFields()[name]?.extensions?.[AUTHZ_EXTENSION] as AuthzRule | undefined;
  return !!rule && "public" in rule;
}

function unauthenticated(fields: string[]): DomainError {
  const challenge = new AuthFailure(401, null, "no credentials").challenges().join(", ");
  return new DomainError("UNAUTHENTICATED", `sign in to use ${[...new Set(fields)].join(", ")}`, {
    http: { status: 401, headers: new HeaderMap([["www-authenticate", challenge]]) },
  });
}
