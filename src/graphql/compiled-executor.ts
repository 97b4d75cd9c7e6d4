import type { ApolloServerOptionsWithGateway } from "@apollo/server";
import { type ExecutionResult, type GraphQLSchema, execute } from "graphql";
import { type CompiledQuery, compileQuery, isCompiledQuery } from "graphql-jit";
import { LRUCache } from "lru-cache";
import type { RequestContext } from "../api/context.js";
import type { SqlRead } from "./sql-read/read.js";

type Gateway = ApolloServerOptionsWithGateway<object>["gateway"];
type Executor = NonNullable<Awaited<ReturnType<Gateway["load"]>>["executor"]>;

/** Distinct operations kept compiled; past it the least recently used is compiled again when it returns. */
const COMPILED_MAX = 500;
const UNCOMPILED = "graphql-js";

/**
 * Runs Apollo Server's operations as graphql-jit compiles them: each operation (by its text's hash and
 * name) is turned once into JavaScript that reads and completes exactly its fields, which on a large read
 * costs a fraction of graphql-js's generic walk, and builds plain objects that JSON.stringify serialises
 * fast. Apollo keeps everything before and after execution (parsing, validation, plugins, error format):
 * the schema is handed to it through its gateway interface, the one hook it has for another executor.
 * An operation failing before it runs (variables that do not coerce) is answered by graphql-js, so that
 * its errors keep their exact wording and HTTP status.
 */
export function compiledExecution(schema: GraphQLSchema, sqlRead?: SqlRead): Gateway {
  const compiled = new LRUCache<string, CompiledQuery | typeof UNCOMPILED>({ max: COMPILED_MAX });
  const executor: Executor = async (rc) => {
    const variables = rc.request.variables ?? {};
    const read = await sqlRead?.({
      queryHash: rc.queryHash,
      document: rc.document,
      operationName: rc.operationName ?? undefined,
      variables,
      caller: rc.context as RequestContext,
    });
    if (read) return read as unknown as ExecutionResult;
    const key = `${rc.queryHash}:${rc.operationName ?? ""}`;
    let query = compiled.get(key);
    if (query === undefined) {
      const c = compileQuery(schema, rc.document, rc.operationName ?? undefined, {
        disablingCapturingStackErrors: true,
      });
      // Not compilable (graphql-js reports why): remembered, so it is not tried again.
      query = isCompiledQuery(c) ? c : UNCOMPILED;
      compiled.set(key, query);
    }
    if (query !== UNCOMPILED) {
      const result = (await query.query(undefined, rc.context, variables)) as ExecutionResult;
      if (result.data !== undefined || !result.errors) return result;
    }
    return execute({
      schema,
      document: rc.document,
      contextValue: rc.context,
      variableValues: variables,
      operationName: rc.operationName ?? undefined,
    }) as Promise<ExecutionResult>;
  };
  const listeners = new Set<Parameters<Gateway["onSchemaLoadOrUpdate"]>[0]>();
  return {
    onSchemaLoadOrUpdate(callback) {
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
    // The schema never changes: told once, when Apollo starts.
    load: async () => {
      for (const l of listeners) l({ apiSchema: schema, coreSupergraphSdl: "" });
      return { executor };
    },
    stop: async () => {
      compiled.clear();
    },
  };
}
