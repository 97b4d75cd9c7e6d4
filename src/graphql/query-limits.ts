import { type DocumentNode, type GraphQLSchema, GraphQLError, Kind, parse } from "graphql";
import { aliasesWritten } from "./alias-scan.js";
import { DomainError } from "../common/errors.js";
import { measureOperations } from "./query-figures.js";

/** The caps on one GraphQL request (README, "Query cost"); each from its GRAPHQL_MAX_* variable. */
export type QueryLimits = {
  documentBytes: number;
  tokens: number;
  aliases: number;
  directives: number;
  depth: number;
  nodes: number;
  cost: number;
};

/** A full introspection answer is large and never changes; nobody needs two in one request. */
export const MAX_SCHEMA_READS = 1;

// Parsed documents of accepted queries with variables, so a client repeating its query is not parsed twice
// (Apollo parses again, and caches its own); the verdict on a document without variables, which no request
// can change. Small documents only, and few of them: an AST is many times its source.
const CACHED_DOCUMENTS = 200;
const CACHEABLE_BYTES = 16 * 1024;

export type QueryGate = {
  readonly limits: QueryLimits;
  /** The refusal of this request, or null to let it through (a syntax error is left to GraphQL's answer). */
  check(source: string, variables: Record<string, unknown> | undefined): DomainError | null;
};

export function queryGate(schema: GraphQLSchema, limits: QueryLimits): QueryGate {
  const documents = new Map<string, DocumentNode>();
  // Per text of a document without variables: its refusal, or null when it was let through.
  const verdicts = new Map<string, DomainError | null>();

  const documentOf = (source: string): DocumentNode | DomainError | null => {
    const hit = documents.get(source);
    if (hit) return hit;
    let document: DocumentNode;
    try {
      document = parse(source, { maxTokens: limits.tokens, noLocation: true });
    } catch (e) {
      // graphql-js says "Document contains more than N tokens. Parsing aborted."
      if (e instanceof GraphQLError && e.message.includes("tokens. Parsing aborted"))
        return tooComplex("tokens", `the query has more than ${limits.tokens} tokens`, limits.tokens);
      return null;
    }
    return document;
  };

  return {
    limits,
    check(source, variables) {
      // A client repeating its query (the usual case) costs a lookup: no scan, parse or walk.
      const known = verdicts.get(source);
      if (known !== undefined) return known;
      // Characters never outnumber UTF-8 bytes, and they cannot be more than 3 times fewer.
      if (source.length * 3 > limits.documentBytes) {
        const bytes = Buffer.byteLength(source, "utf8");
        if (bytes > limits.documentBytes)
          return tooComplex("documentBytes", `the query is ${bytes} bytes`, limits.documentBytes);
      }
      const written = aliasesWritten(source);
      if (written > limits.aliases) return over("aliases", written, limits.aliases, "aliased fields");
      const document = documentOf(source);
      if (!document || document instanceof DomainError) return document;
      // A verdict that no variable can change is the same the next time this text comes (a flood repeats
      // itself, and so does a client): kept, so it costs no parse and no walk again.
      const fixed = document.definitions.every(
        (d) => d.kind !== Kind.OPERATION_DEFINITION || !d.variableDefinitions?.length,
      );
      const keep = (verdict: DomainError | null) => {
        if (fixed && source.length <= CACHEABLE_BYTES) remember(verdicts, source, verdict);
        return verdict;
      };
      for (const { figures } of measureOperations(schema, document, variables)) {
        const refusal =
          over("aliases", figures.aliases, limits.aliases, "aliased fields") ??
          over("directives", figures.directives, limits.directives, "directives") ??
          (figures.depth > limits.depth
            ? tooComplex("depth", `query is nested ${figures.depth} levels deep`, limits.depth)
            : null) ??
          over("schemaReads", figures.schemaReads, MAX_SCHEMA_READS, "__schema selections") ??
          (figures.nodes > limits.nodes
            ? tooComplex(
                "nodes",
                `this query could return ${figures.nodes} objects`,
                limits.nodes,
                " (ask for smaller pages, or fewer levels)",
              )
            : null) ??
          (figures.cost > limits.cost
            ? tooComplex(
                "cost",
                `this query costs ${figures.cost}`,
                limits.cost,
                " (ask for smaller pages, fewer levels or fewer expensive fields)",
              )
            : null);
        if (refusal) return keep(refusal);
      }
      if (fixed) return keep(null);
      if (source.length <= CACHEABLE_BYTES && !documents.has(source)) remember(documents, source, document);
      return null;
    },
  };
}

/** Keeps at most CACHED_DOCUMENTS entries, the oldest going first (a Map iterates in insertion order). */
function remember<T>(cache: Map<string, T>, source: string, value: T): void {
  if (cache.size >= CACHED_DOCUMENTS) cache.delete(cache.keys().next().value as string);
  cache.set(source, value);
}

function over(limit: string, value: number, max: number, what: string): DomainError | null {
  return value > max ? tooComplex(limit, `the query has ${value} ${what}`, max) : null;
}

function tooComplex(limit: string, said: string, max: number, hint = ""): DomainError {
  return new DomainError("QUERY_TOO_COMPLEX", `${said}; the limit is ${max}${hint}`, { limit, max });
}
