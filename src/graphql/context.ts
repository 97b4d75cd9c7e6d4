import type { Principal } from "../authn/principal.js";
import type { Services } from "../services.js";
import type { Loaders } from "./loaders.js";

/** What every resolver and service call receives first. */
export type RequestContext = {
  requestId: string;
  principal: Principal | null;
  client: { ip: string | null; userAgent: string | null };
  loaders: Loaders;
  services: Services;
};

/** The caller as services see it: the context minus the GraphQL plumbing. */
export type Caller = Pick<RequestContext, "requestId" | "principal" | "client">;

export const systemCaller = (requestId = "system"): Caller => ({
  requestId,
  principal: null,
  client: { ip: null, userAgent: null },
});
