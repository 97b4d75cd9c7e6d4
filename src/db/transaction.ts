import type { DataSource, EntityManager } from "typeorm";
import { DomainError, conflict } from "../common/errors.js";

// Unique and exclusion constraints whose violation is the caller's mistake, and the input field to blame.
const constraintFields: Record<string, [string, string]> = {
  provider_slug_key: ["slug", "a provider with this slug exists already"],
  operator_provider_slug_key: ["slug", "an operator with this slug exists already at this provider"],
  operator_dns_zone_key: ["dnsZone", "this DNS zone belongs to another operator"],
  operator_dns_zone_disjoint: ["dnsZone", "this DNS zone is inside or above the zone of another operator"],
  deployment_operator_name_key: ["name", "the operator has a deployment with this name already"],
  service_deployment_type_key: ["serviceType", "the deployment has a service of this type already"],
  service_domain_key: ["domain", "this domain is used by another service"],
  service_type_slug_key: ["slug", "a service type with this slug exists already"],
  resource_provider_provider_type_impl_key: ["implementation", "this resource provider exists already"],
  run_one_active_per_deployment: ["deploymentId", "the deployment has an active run already"],
  app_user_email_key: ["email", "a user with this email exists already"],
};

/** Runs work in one transaction; unique and exclusion violations become CONFLICT errors naming the field. */
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
  if ((code === "23505" || code === "23P01") && constraint && constraintFields[constraint]) {
    const [field, message] = constraintFields[constraint];
    return conflict(field, message);
  }
  return e;
}
