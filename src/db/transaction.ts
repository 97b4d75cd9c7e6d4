import type { DataSource, EntityManager } from "typeorm";
import { DomainError, conflict } from "../common/errors.js";
import { conflictOn } from "./conflicts.js";

/**
 * Runs work in one transaction; violations of the unique and exclusion constraints entities declare with
 * ConflictOn become CONFLICT errors naming the field.
 */
export async function inTransaction<T>(ds: DataSource, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  try {
    return await ds.transaction(work);
  } catch (e) {
    throw translate(e);
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
