import type { FormattedExecutionResult, GraphQLSchema, DocumentNode } from "graphql";
import { LRUCache } from "lru-cache";
import { accessOf } from "../../authz/denied.js";
import { rootRuleAllows } from "../../authz/guard.js";
import type { Caller } from "../../common/caller.js";
import type { Db } from "../../db/db.js";
import { NotThisTime, type ReadPlan, Unsupported, planRead } from "./plan.js";
import type { SqlReadRegistry } from "../../api/sql-projection-registry.js";

/**
 * An answer PostgreSQL wrote whole, response body included: it goes out as the string pg decoded, which a
 * concatenation here would have the HTTP layer copy again (the body is a large object, hence GC work).
 */
export class RawData {
  constructor(readonly body: string) {}
}

/** Operations seen not to be plannable (by text hash and name), so they are not planned again. */
const UNPLANNABLE_MAX = 500;
/** Statements built, by operation, variables and the caller's grants (which decide its scope conditions). */
const PLANS_MAX = 500;
/** Variables longer than this as JSON are planned every time rather than kept. */
const CACHED_VARIABLES_MAX = 1024;

export type SqlRead = (req: {
  queryHash: string;
  document: DocumentNode;
  operationName: string | undefined;
  variables: Record<string, unknown>;
  caller: Caller;
}) => Promise<{ data: RawData } | null>;

/**
 * Answers a read in one statement when the planner can (src/graphql/sql-read/plan.ts), else null: the usual
 * execution answers it, errors and refusals included. Runs only when the caller holds the root field's
 * permission somewhere (its reach is applied in SQL); a refusal is the usual path's to record and answer.
 */
export function sqlRead(schema: GraphQLSchema, registry: SqlReadRegistry, db: Db): SqlRead {
  const unplannable = new LRUCache<string, true>({ max: UNPLANNABLE_MAX });
  const plans = new LRUCache<string, ReadPlan>({ max: PLANS_MAX });
  return async ({ queryHash, document, operationName, variables, caller }) => {
    const key = `${queryHash}:${operationName ?? ""}`;
    if (unplannable.has(key)) return null;
    const access = accessOf(caller);
    const vars = JSON.stringify(variables);
    const planKey =
      vars.length <= CACHED_VARIABLES_MAX ? `${key}\n${vars}\n${access.fingerprint()}` : undefined;
    let plan = planKey === undefined ? undefined : plans.get(planKey);
    if (!plan) {
      try {
        plan = planRead(schema, registry, document, operationName, variables, access);
      } catch (e) {
        if (e instanceof Unsupported) unplannable.set(key, true);
        else if (!(e instanceof NotThisTime)) throw e;
        return null;
      }
      if (planKey !== undefined) plans.set(planKey, plan);
    }
    if (!rootRuleAllows(schema, plan.rootField, access)) return null;
    const [row] = await db.query<{ body: string }>(plan.sql, plan.params);
    return { data: new RawData(row!.body) };
  };
}

/** Apollo's result serialiser: a RawData answer spliced in as it is, anything else as Apollo writes it. */
export function stringifyResult(value: FormattedExecutionResult): string {
  const data: unknown = value.data;
  if (data instanceof RawData && value.errors === undefined && value.extensions === undefined)
    return data.body;
  return JSON.stringify(value) + "\n";
}
