import { GraphQLError, Kind, type ASTNode, type ValidationContext, type ValidationRule } from "graphql";

/** Refuses documents nested deeper than max selection levels (fragments followed), before execution. */
export function depthLimit(max: number): ValidationRule {
  return (context: ValidationContext) => {
    const fragments = new Map(
      context
        .getDocument()
        .definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d]] : [])),
    );
    const depthOf = (node: ASTNode, depth: number, seen: Set<string>): number => {
      if (node.kind === Kind.FIELD) {
        if (!node.selectionSet) return depth;
        return Math.max(depth, ...node.selectionSet.selections.map((s) => depthOf(s, depth + 1, seen)));
      }
      if (node.kind === Kind.INLINE_FRAGMENT) {
        return Math.max(depth, ...node.selectionSet.selections.map((s) => depthOf(s, depth, seen)));
      }
      if (node.kind === Kind.FRAGMENT_SPREAD) {
        const f = fragments.get(node.name.value);
        if (!f || seen.has(f.name.value)) return depth;
        const next = new Set(seen).add(f.name.value);
        return Math.max(depth, ...f.selectionSet.selections.map((s) => depthOf(s, depth, next)));
      }
      return depth;
    };
    return {
      OperationDefinition(op) {
        const depth = Math.max(0, ...op.selectionSet.selections.map((s) => depthOf(s, 1, new Set())));
        if (depth > max) {
          context.reportError(
            new GraphQLError(`query is nested ${depth} levels deep; the limit is ${max}`, {
              nodes: [op],
              extensions: { code: "BAD_USER_INPUT" },
            }),
          );
        }
      },
    };
  };
}
