import { Counter } from "prom-client";
import type { DataSource, EntityManager } from "typeorm";
import { DomainError, conflict } from "../common/errors.js";
import { processMetrics } from "../metrics/registry.js";
import { conflictOn } from "./conflicts.js";
import { logOf } from "./db-log.js";

/** SQLSTATEs after which PostgreSQL rolled the whole transaction back and running it again may succeed. */
const RETRYABLE = new Set(["40001", "40P01"]);
/** Attempts in all, the first included; past them the last failure is the caller's. */
const MAX_ATTEMPTS = 5;

const retries = new Counter({
  name: "fedicentral_db_transaction_retries_total",
  help: "Transactions run again after a serialization failure (40001) or deadlock (40P01), by SQLSTATE",
  labelNames: ["code"] as const,
  registers: [processMetrics],
});

/**
 * Runs work in one transaction; violations of the unique and exclusion constraints entities declare with
 * ConflictOn become CONFLICT errors naming the field. A transaction PostgreSQL aborted as a serialization
 * failure or a deadlock victim is run again from the start (work must only touch the database: nothing
 * outside it may happen before the commit), after a short random pause so the two do not collide again.
 */
export async function inTransaction<T>(ds: DataSource, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ds.transaction(work);
    } catch (e) {
      const { code } = pgErrorOf(e);
      if (!code || !RETRYABLE.has(code) || attempt >= MAX_ATTEMPTS) throw translate(e);
      retries.inc({ code });
      logOf(ds)?.warn({ code, attempt }, "transaction aborted by PostgreSQL; running it again");
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}

/** PostgreSQL's error code and constraint, whether pg's error came bare or wrapped by TypeORM. */
function pgErrorOf(e: unknown): { code?: string; constraint?: string } {
  const err = e as {
    code?: string;
    constraint?: string;
    driverError?: { code?: string; constraint?: string };
  };
  return {
    code: err.driverError?.code ?? err.code,
    constraint: err.driverError?.constraint ?? err.constraint,
  };
}

/** Whether the error is a unique violation of this constraint (23505). */
export function isUniqueViolation(e: unknown, constraint: string): boolean {
  const { code, constraint: violated } = pgErrorOf(e);
  return code === "23505" && violated === constraint;
}

function translate(e: unknown): unknown {
  if (e instanceof DomainError) return e;
  const { code, constraint } = pgErrorOf(e);
  const declared = (code === "23505" || code === "23P01") && constraint ? conflictOn(constraint) : undefined;
  if (declared) return conflict(declared.field, declared.message);
  return e;
}
