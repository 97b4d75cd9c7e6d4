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
  const literals = literalsOf(document, operation);
  if (literals.problem) return literals.problem;
  for (const def of operation.variableDefinitions ?? []) {
    const name = def.variable.name.value;
    const path = literals.usedAt.get(name) ?? name;
    const problem =
      (def.defaultValue ? literalProblem(def.defaultValue, path) : null) ??
      (variables && name in variables ? inputProblem(variables[name], path) : null);
    if (problem) return problem;
  }
  return null;
}

type Literals = { problem: InputProblem | null; usedAt: Map<string, string> };

// Apollo keeps one parsed document per query text: a repeated query's literals are checked once.
const checked = new WeakMap<OperationDefinitionNode, Literals>();

/** The operation's first unstorable literal, and where each variable is first used. */
function literalsOf(document: DocumentNode, operation: OperationDefinitionNode): Literals {
  const known = checked.get(operation);
  if (known) return known;
  const usedAt = new Map<string, string>();
  let problem: InputProblem | null = null;
  const args = (nodes: readonly ArgumentNode[] | undefined) => {
    for (const a of nodes ?? []) problem ??= literalProblem(a.value, a.name.value, usedAt);
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
  const result = { problem, usedAt };
  checked.set(operation, result);
  return result;
}

/** A value literal's first unstorable string; the variables met inside it are noted in usedAt. */
function literalProblem(node: ValueNode, path: string, usedAt?: Map<string, string>): InputProblem | null {
  switch (node.kind) {
    case Kind.STRING:
      return isStorableText(node.value) ? null : inputProblem(node.value, path);
    case Kind.VARIABLE:
      if (usedAt && !usedAt.has(node.name.value)) usedAt.set(node.name.value, path);
      return null;
    case Kind.LIST:
      for (const [i, v] of node.values.entries()) {
        const p = literalProblem(v, `${path}.${i}`, usedAt);
        if (p) return p;
      }
      return null;
    case Kind.OBJECT:
      for (const f of node.fields) {
        const p = literalProblem(f.value, `${path}.${f.name.value}`, usedAt);
        if (p) return p;
      }
      return null;
    default:
      return null;
  }
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
