// Fault injection for the fake NetBox. NetBox itself never sends 429 (no throttling configured);
// these simulate the reverse proxy and network in front of it.

export type FaultAction =
  /** Delay the response, then serve it normally. Rules of this type stack. */
  | { type: "latency"; ms: number }
  /** Destroy the socket without any response (ECONNRESET / "other side closed"). */
  | { type: "reset" }
  /** Never answer (until stop()); exercises client timeouts. */
  | { type: "hang" }
  /** Answer with this status and JSON body instead of the real response. */
  | { type: "status"; status: number; body?: unknown; headers?: Record<string, string> }
  /** 429 (or 503) with Retry-After in seconds or as an HTTP date. */
  | { type: "rate-limit"; retryAfter?: number | string; status?: number }
  /**
   * Serve the real response cut short. mode "json" (default) sends a consistent Content-Length for the
   * shortened body, so the JSON is malformed; mode "connection" announces the full length then closes.
   */
  | { type: "truncate"; keep?: number; mode?: "json" | "connection" }
  /** Rewrite the parsed JSON body of the real response (e.g. to plant a malformed object). */
  | { type: "transform"; transform: (body: unknown) => unknown };

export interface FaultRule {
  action: FaultAction;
  /** Pathname prefix (string) or pattern; default: every request. */
  path?: string | RegExp;
  method?: string;
  /** How many matching requests to affect; default unlimited. */
  times?: number;
  /** Let this many matching requests through first. */
  skip?: number;
}

export interface FaultHandle {
  /** Requests this rule was applied to. */
  readonly hits: number;
  cancel(): void;
}

interface ActiveRule {
  rule: FaultRule;
  seen: number;
  hits: number;
  cancelled: boolean;
}

export interface FaultPlan {
  delayMs: number;
  terminal?: Extract<FaultAction, { type: "reset" | "hang" | "status" | "rate-limit" }>;
  post: Extract<FaultAction, { type: "truncate" | "transform" }>[];
  applied: string[];
}

export class FaultController {
  /** Baseline latency added to every request. */
  latencyMs = 0;
  private rules: ActiveRule[] = [];

  inject(rule: FaultRule): FaultHandle {
    const active: ActiveRule = { rule, seen: 0, hits: 0, cancelled: false };
    this.rules.push(active);
    return {
      get hits() {
        return active.hits;
      },
      cancel: () => {
        active.cancelled = true;
      },
    };
  }

  /** Shorthands; `where` narrows by path/method/times/skip. */
  latency(ms: number, where: Omit<FaultRule, "action"> = {}): FaultHandle {
    return this.inject({ ...where, action: { type: "latency", ms } });
  }
  reset(where: Omit<FaultRule, "action"> = {}): FaultHandle {
    return this.inject({ ...where, action: { type: "reset" } });
  }
  status(status: number, where: Omit<FaultRule, "action"> = {}, body?: unknown): FaultHandle {
    return this.inject({ ...where, action: { type: "status", status, body } });
  }
  rateLimit(retryAfter: number | string, where: Omit<FaultRule, "action"> = {}): FaultHandle {
    return this.inject({ ...where, action: { type: "rate-limit", retryAfter } });
  }
  truncate(where: Omit<FaultRule, "action"> = {}, mode: "json" | "connection" = "json"): FaultHandle {
    return this.inject({ ...where, action: { type: "truncate", mode } });
  }
  transform(transform: (body: unknown) => unknown, where: Omit<FaultRule, "action"> = {}): FaultHandle {
    return this.inject({ ...where, action: { type: "transform", transform } });
  }

  clear(): void {
    this.rules = [];
    this.latencyMs = 0;
  }

  /** Decides what happens to one request and consumes the budgets of the rules it uses. */
  plan(method: string, path: string): FaultPlan {
    const plan: FaultPlan = { delayMs: this.latencyMs, post: [], applied: [] };
    for (const r of this.rules) {
      const { rule } = r;
      if (r.cancelled) continue;
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      if (rule.path !== undefined) {
        const ok = typeof rule.path === "string" ? path.startsWith(rule.path) : rule.path.test(path);
        if (!ok) continue;
      }
      if (r.hits >= (rule.times ?? Infinity)) continue;
      const a = rule.action;
      const terminal =
        a.type === "reset" || a.type === "hang" || a.type === "status" || a.type === "rate-limit";
      if (plan.terminal && a.type !== "latency") continue;
      r.seen++;
      if (r.seen <= (rule.skip ?? 0)) continue;
      r.hits++;
      plan.applied.push(a.type);
      if (a.type === "latency") plan.delayMs += a.ms;
      else if (terminal) plan.terminal = a;
      else plan.post.push(a);
    }
    return plan;
  }
}
