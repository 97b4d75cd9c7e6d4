import type { ApolloServerPlugin } from "@apollo/server";
import {
  type ArgumentNode,
  type DirectiveNode,
  type DocumentNode,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";
import { badInput } from "../common/errors.js";
import { type InputProblem, inputProblem, isStorableText } from "../common/text.js";

/**
 * The first argument value of an operation (in the query text or in its variables) that PostgreSQL could
 * not store, named by its argument path (`input.name`); a variable's value is named where it is used.
 * One pass over the arguments: selections without arguments cost a loop step.
 */
export function unstorableArgument(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): InputProblem | null {
  const usedAt = new Map<string, string>();
  let problem: InputProblem | null = null;

  const value = (node: ValueNode, path: string): void => {
    if (problem) return;
    switch (node.kind) {
      case Kind.STRING:
        if (!isStorableText(node.value)) problem = inputProblem(node.value, path);
        return;
      case Kind.LIST:
        node.values.forEach((v, i) => value(v, `${path}.${i}`));
        return;
      case Kind.OBJECT:
        for (const f of node.fields) value(f.value, `${path}.${f.name.value}`);
        return;
      case Kind.VARIABLE:
        if (!usedAt.has(node.name.value)) usedAt.set(node.name.value, path);
        return;
    }
  };
  const args = (nodes: readonly ArgumentNode[] | undefined) => {
    for (const a of nodes ?? []) value(a.value, a.name.value);
  };
  const directives = (nodes: readonly DirectiveNode[] | undefined) => {
    for (const d of nodes ?? []) args(d.arguments);
  };
  const selections = (set: SelectionSetNode | undefined): void => {
    for (const s of set?.selections ?? []) {
      directives(s.directives);
      if (s.kind === Kind.FIELD) args(s.arguments);
      if (s.kind !== Kind.FRAGMENT_SPREAD) selections(s.selectionSet);
    }
  };

  directives(operation.directives);
  selections(operation.selectionSet);
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) {
      directives(d.directives);
      selections(d.selectionSet);
    }
  }
  for (const def of operation.variableDefinitions ?? []) {
    if (problem) break;
    const name = def.variable.name.value;
    const path = usedAt.get(name) ?? name;
    if (def.defaultValue) value(def.defaultValue, path);
    if (variables && name in variables) problem ??= inputProblem(variables[name], path);
  }
  return problem;
}

/** Refuses, before execution, an operation whose arguments hold text PostgreSQL cannot store. */
export function refuseUnstorableText<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request }) {
          if (!operation) return;
          const problem = unstorableArgument(document, operation, request.variables);
          if (problem) throw badInput(problem.path, problem.message);
        },
      };
    },
  };
}
