import type { Principal } from "../authn/principal.js";
import { Access } from "../authz/access.js";
import type { Services } from "../services.js";
import type { Loaders } from "./loaders.js";

/** What every resolver and service call receives first. */
export type RequestContext = {
  requestId: string;
  principal: Principal | null;
  client: { ip: string | null; userAgent: string | null };
  /** What the principal may do, computed once per request (src/authz/); absent means nothing. */
  access?: Access;
  loaders: Loaders;
  services: Services;
};

/** The caller as services see it: the context minus the GraphQL plumbing. */
export type Caller = Pick<RequestContext, "requestId" | "principal" | "client" | "access">;

export const systemCaller = (requestId = "system"): Caller => ({
  requestId,
  principal: null,
  client: { ip: null, userAgent: null },
  access: Access.system(),
});
