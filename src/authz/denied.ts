import type { DataSource } from "typeorm";
import { recordEvent } from "../accounting/record-event.js";
import { DomainError } from "../common/errors.js";
import type { Caller } from "../common/caller.js";
import type { Logger } from "../logger.js";
import { Access, type Place } from "./access.js";
import { withTargetOperators } from "./denial-target.js";
import { Permission } from "./permissions.js";
import { RequestDenials } from "./request-denials.js";
import type { RoleDefinition } from "./catalogue.js";
import { inTransaction } from "../db/transaction.js";

/** What a refused attempt was, for the accounting record; never shown to the caller. */
export type Denial = {
  permission: Permission;
  targetKind: string;
  targetId: string | null;
  operatorId: string | null;
  reason: string;
};

/**
 * A refusal. As NOT_FOUND it carries exactly the message and extensions of a missing object's error
 * (common/errors.ts notFound), so ids of other operators cannot be probed.
 */
export class AccessDenied extends DomainError {
  constructor(
    readonly denial: Denial,
    code: "FORBIDDEN" | "NOT_FOUND",
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(code, message, details);
  }
}

export const forbidden = (denial: Omit<Denial, "reason">, why?: string) =>
  new AccessDenied(
    { ...denial, reason: why ?? `forbidden: needs ${denial.permission}` },
    "FORBIDDEN",
    why ?? `not allowed: this needs the permission ${denial.permission}`,
    { permission: denial.permission },
  );

export const unauthenticated = () => new DomainError("UNAUTHENTICATED", "authentication required");

const SYSTEM = Access.system();
const NOTHING = Access.anonymous();

/**
 * The caller's access. The caller type declares it opaquely (it lives below this layer), so only an
 * Access counts; the service's own work (systemCaller) may do everything; anyone else nothing.
 */
export const accessOf = (caller: Caller): Access =>
  caller.access instanceof Access ? caller.access : caller.systemActor !== undefined ? SYSTEM : NOTHING;

/** What a point check is about: an object's kind and id, and where it belongs. */
export type Target = { kind: string; id: string } & Place;

/**
 * Lets the call go on when the caller holds the permission where the object belongs (its operator or
 * its provider, or installation-wide). Otherwise FORBIDDEN when the caller may see the object, NOT_FOUND
 * (as if it did not exist) when not: another provider's objects look missing.
 */
export function authorize(caller: Caller, permission: Permission, target: Target): void {
  const access = accessOf(caller);
  if (access.allows(permission, target)) return;
  const read = access.readPermissionOf(target.kind);
  if (read && access.allows(read, target)) throw forbidden(denialOf(permission, target));
  throw hidden(permission, target);
}

type Named = { kind: string; id: string; operatorId: string | null };

/** A refusal that looks exactly like a missing object (common/errors.ts notFound). */
export function hidden(permission: Permission, target: Named): AccessDenied {
  return new AccessDenied(
    { ...denialOf(permission, target), reason: `not found: outside the caller's ${permission} scope` },
    "NOT_FOUND",
    `${target.kind} not found`,
    { id: target.id },
  );
}

const denialOf = (permission: Permission, target: Named) => ({
  permission,
  targetKind: target.kind.toLowerCase(),
  targetId: target.id,
  operatorId: target.operatorId,
});

/** For what belongs to no provider (new providers, frontend clients): an installation-wide grant. */
export function authorizeInstallation(
  caller: Caller,
  permission: Permission,
  target: { kind: string; id: string | null },
): void {
  if (accessOf(caller).installationWide(permission)) return;
  throw forbidden({
    permission,
    targetKind: target.kind.toLowerCase(),
    targetId: target.id,
    operatorId: null,
  });
}

/**
 * Nobody hands out (or takes away) more than they have: every permission of the role must be held by the
 * caller where the grant applies. For role grants and for service accounts created with a role alike.
 */
export function assertNotAbove(
  caller: Caller,
  role: RoleDefinition,
  at: Place | "installation",
  subject: string,
): void {
  const mine = accessOf(caller).permissionsIn(at);
  const missing = role.permissions.filter((p) => !mine.has(p));
  if (missing.length === 0) return;
  throw forbidden(
    {
      permission: Permission.PolicyManage,
      targetKind: "role-assignment",
      targetId: subject,
      operatorId: at === "installation" ? null : at.operatorId,
    },
    `${role.name} carries permissions you do not hold here (${missing.sort().join(", ")}); ` +
      "nobody grants a role above their own",
  );
}

/**
 * Writes refusals to the accounting log as failures. Within a GraphQL request (between begin and end,
 * which the Apollo plugin recordRequestDenials calls) they are collected and written when it ends, in one
 * transaction, one event per refused permission and target with its count (request-denials.ts); a
 * refusal outside one (an HTTP route, a subscription) is written at once.
 */
export class DenialRecorder {
  private readonly requests = new WeakMap<object, RequestDenials>();

  constructor(
    private readonly ds: DataSource,
    private readonly log: Logger,
  ) {}

  begin(request: Caller): void {
    this.requests.set(request, new RequestDenials());
  }

  async record(caller: Caller, d: Denial): Promise<void> {
    const request = this.requests.get(caller);
    if (request) return request.add(d);
    const single = new RequestDenials();
    single.add(d);
    await this.write(caller, single);
  }

  async end(request: Caller): Promise<void> {
    const denials = this.requests.get(request);
    this.requests.delete(request);
    if (denials && !denials.empty) await this.write(request, denials);
  }

  private async write(caller: Caller, denials: RequestDenials): Promise<void> {
    try {
      const events = await withTargetOperators(this.ds, denials.events());
      await inTransaction(this.ds, async (tx) => {
        for (const e of events) await recordEvent(tx, caller, e);
      });
    } catch (e) {
      // The refusals stand either way; a lost record is an operational problem, not the caller's.
      this.log.error({ err: e, requestId: caller.requestId }, "could not record denials");
    }
  }
}
