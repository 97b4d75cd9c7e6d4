import { GraphQLError } from "graphql";

/** The stable codes clients may branch on (extensions.code). */
export type ErrorCode =
  | "BAD_USER_INPUT"
  | "NOT_FOUND"
  | "CONFLICT"
  | "IN_USE"
  | "IDEMPOTENCY_CONFLICT"
  | "QUOTA_EXCEEDED"
  | "FORBIDDEN"
  | "UNAUTHENTICATED"
  | "NOT_CONFIGURED"
  | "BAD_REQUEST"
  | "PAYLOAD_TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "RATE_LIMITED"
  | "QUERY_TOO_COMPLEX"
  | "INTERNAL_SERVER_ERROR";

/** A failure the caller can act on; anything else is masked as INTERNAL_SERVER_ERROR. */
export class DomainError extends GraphQLError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    details: { field?: string; [k: string]: unknown } = {},
  ) {
    super(message, { extensions: { code, ...details } });
  }
}

/** The caller's own mistake: HTTP 400 for the whole response (Apollo takes the status from `http`). */
export const badInput = (field: string, message: string, extra: Record<string, unknown> = {}) =>
  new DomainError("BAD_USER_INPUT", message, { field, http: { status: 400 }, ...extra });

export const notFound = (kind: string, id?: string) =>
  new DomainError("NOT_FOUND", `${kind} not found`, id ? { id } : {});

export const conflict = (field: string, message: string) => new DomainError("CONFLICT", message, { field });
