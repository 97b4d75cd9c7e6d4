import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import { ApolloServerPluginCacheControlDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import type { GraphQLFormattedError, GraphQLSchema } from "graphql";
import { requireAuthentication } from "../authn/require-authentication.js";
import { recordRequestDenials } from "../authz/denial-plugin.js";
import { DomainError } from "../common/errors.js";
import type { Logger } from "../logger.js";
import type { RequestContext } from "../api/context.js";
import { requestScope } from "../db/request-scope.js";
import { operationMetrics } from "../metrics/graphql-metrics.js";
import { compiledExecution } from "./compiled-executor.js";
import { refuseUnstorableText } from "./input-text.js";
import { type SqlRead, stringifyResult } from "./sql-read/read.js";

// Codes Apollo itself gives to the caller's own mistakes; they pass through unmasked.
const CLIENT_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
  "BAD_REQUEST",
]);

export function createApolloServer(
  schema: GraphQLSchema,
  opts: {
    log: Logger;
    /** The token cap again, for a request that reached Apollo without the query gate (src/graphql/query-gate-http.ts). */
    maxTokens: number;
    introspection: boolean;
    sqlCountHeader: boolean;
    /** Reads answered in one statement (src/graphql/sql-read/), when the planner can. */
    sqlRead?: SqlRead;
  },
): ApolloServer<RequestContext> {
  return new ApolloServer<RequestContext>({
    gateway: compiledExecution(schema, opts.sqlRead),
    stringifyResult,
    introspection: opts.introspection,
    parseOptions: { maxTokens: opts.maxTokens },
    // A persisted query runs without its text, so the query gate could not measure it.
    persistedQueries: false,
    // Apollo's per-field cache-control hints cost more than the SQL on big reads.
    plugins: [
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginLandingPageDisabled(),
      logUnexpected(opts.log),
      requireAuthentication(),
      recordRequestDenials(),
      refuseUnstorableText(),
      operationMetrics(),
      ...(opts.sqlCountHeader ? [sqlCountHeader()] : []),
    ],
    formatError: maskUnexpected,
    includeStacktraceInErrorResponses: false,
    // Shutdown is ours (src/main.ts): Apollo's own handler would exit before in-flight requests finish.
    stopOnTerminationSignals: false,
  });
}

/** Unknown errors reach clients as INTERNAL_SERVER_ERROR without detail; domain errors as they are. */
export function maskUnexpected(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError) return formatted;
  const code = formatted.extensions?.code;
  if (typeof code === "string" && CLIENT_CODES.has(code)) return formatted;
  return {
    message: "Internal server error",
    path: formatted.path,
    locations: formatted.locations,
    extensions: { code: "INTERNAL_SERVER_ERROR" },
  };
}

function logUnexpected(log: Logger): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const e of errors) {
            const original = unwrapResolverError(e);
            if (
              original instanceof DomainError ||
              (e.extensions?.code && CLIENT_CODES.has(String(e.extensions.code)))
            )
              continue;
            log.error({ err: original, requestId: contextValue.requestId, path: e.path }, "unexpected error");
          }
        },
      };
    },
  };
}

/** Reports the request's SQL statement count in a header, for N+1 tests and diagnosis. */
function sqlCountHeader(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          const scope = requestScope.getStore();
          if (scope) response.http.headers.set("x-sql-statements", String(scope.sqlStatements));
        },
      };
    },
  };
}
