import type { ApolloServerPlugin } from "@apollo/server";
import { Counter } from "prom-client";
import { processMetrics } from "./registry.js";

const operations = new Counter({
  name: "fedicentral_graphql_operations_total",
  help: 'GraphQL operations by type and outcome: "OK", or the first error\'s stable code',
  labelNames: ["type", "code"] as const,
  registers: [processMetrics],
});

/** Counts every answered operation (a refused one too: its code says why). */
export function operationMetrics<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation, response }) {
          const errors = response.body.kind === "single" ? response.body.singleResult.errors : undefined;
          const code = errors?.length ? String(errors[0]?.extensions?.code ?? "INTERNAL_SERVER_ERROR") : "OK";
          operations.inc({ type: operation?.operation ?? "unknown", code });
        },
      };
    },
  };
}
