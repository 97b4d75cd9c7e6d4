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
export type Caller = Pick<RequestContext, "requestId" | "principal" | "client" | "access"> & {
  /**
   * Set only for the service's own work, which has no principal: who or what acted, if known (the
   * command line names the operating-system user and host); null for background work.
   */
  systemActor?: string | null;
};

export const systemCaller = (
  opts: { requestId?: string; actor?: string; userAgent?: string } = {},
): Caller => ({
  requestId: opts.requestId ?? "system",
  principal: null,
  client: { ip: null, userAgent: opts.userAgent ?? null },
  access: Access.system(),
  systemActor: opts.actor ?? null,
});
