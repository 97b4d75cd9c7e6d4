import { Extensions } from "type-graphql";
import type { Permission } from "./permissions.js";

/** The authorization rule of one operation, stored in the schema so tests and the guard can read it. */
export type AuthzRule = { permission: Permission } | { public: true };

export const AUTHZ_EXTENSION = "authz";

/**
 * Declares the permission an operation needs; every root field carries exactly one rule. On a field of an
 * object type it is a field rule: checked where the parent belongs (its provider and operator),
 * refused fields answer null with FORBIDDEN. Keep those to the few sensitive fields (src/authz/guard.ts).
 */
export const Requires = (permission: Permission) =>
  Extensions({ [AUTHZ_EXTENSION]: { permission } satisfies AuthzRule });

/** Declares an operation open to anyone, including anonymous callers. */
export const Public = () => Extensions({ [AUTHZ_EXTENSION]: { public: true } satisfies AuthzRule });
