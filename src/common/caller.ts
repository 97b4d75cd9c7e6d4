import type { Principal } from "./principal.js";

/**
 * Who a service method acts for: what every service method receives first. It names no permission:
 * the authorization layer computes `access` for a request and alone reads it (accessOf in src/authz), so
 * this module, and every service taking a caller, depends on nothing of authorization or GraphQL.
 */
export type Caller = {
  requestId: string;
  principal: Principal | null;
  client: { ip: string | null; userAgent: string | null };
  /** What the principal may do, computed once per request by the authorization layer; absent: nothing. */
  access?: object;
  /**
   * Set only for the service's own work, which has no principal: who or what acted, if known (the
   * command line names the operating-system user and host); null for background work. The
   * authorization layer lets such a caller do everything.
   */
  systemActor?: string | null;
};

export const systemCaller = (
  opts: { requestId?: string; actor?: string; userAgent?: string } = {},
): Caller => ({
  requestId: opts.requestId ?? "system",
  principal: null,
  client: { ip: null, userAgent: opts.userAgent ?? null },
  systemActor: opts.actor ?? null,
});
