import type { ApolloServerPlugin } from "@apollo/server";
import type { RequestContext } from "../api/context.js";

/** Collects a request's refusals while it runs and writes them before its response goes out. */
export function recordRequestDenials(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ contextValue }) {
      contextValue.services.denials.begin(contextValue);
      return {
        async willSendResponse({ contextValue: ctx }) {
          await ctx.services.denials.end(ctx);
        },
      };
    },
  };
}
