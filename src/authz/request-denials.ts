import type { EventInput } from "../accounting/record-event.js";
import type { Denial } from "./denied.js";

/** Refused targets of one request that get an event each; the rest share one event with their count. */
export const DENIALS_LISTED = 10;

/**
 * The refusals of one GraphQL request, counted per permission and target while it runs, so that however
 * many times a query asks (aliases, lists), it writes at most DENIALS_LISTED + 1 events.
 */
export class RequestDenials {
  private readonly listed = new Map<string, { denial: Denial; attempts: number }>();
  private unlisted = 0;

  add(d: Denial): void {
    const key = JSON.stringify([d.permission, d.targetKind, d.targetId, d.operatorId, d.reason]);
    const seen = this.listed.get(key);
    if (seen) seen.attempts++;
    else if (this.listed.size < DENIALS_LISTED) this.listed.set(key, { denial: d, attempts: 1 });
    else this.unlisted++;
  }

  get empty(): boolean {
    return this.listed.size === 0;
  }

  events(): EventInput[] {
    const out: EventInput[] = [...this.listed.values()].map(({ denial: d, attempts }) => ({
      action: d.permission,
      outcome: "failure",
      targetKind: d.targetKind,
      targetId: d.targetId,
      operatorId: d.operatorId,
      reason: d.reason,
      attempts,
    }));
    if (this.unlisted > 0)
      out.push({
        action: "authorize",
        outcome: "failure",
        targetKind: "request",
        targetId: null,
        operatorId: null,
        reason: `${this.unlisted} more refusals in this request, of targets past the first ${DENIALS_LISTED}`,
        attempts: this.unlisted,
      });
    return out;
  }
}
