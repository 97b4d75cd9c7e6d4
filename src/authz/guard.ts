import {
  type GraphQLField,
  type GraphQLFieldResolver,
  GraphQLObjectType,
  type GraphQLSchema,
  defaultFieldResolver,
} from "graphql";
import { DomainError } from "../common/errors.js";
import type { RequestContext } from "../api/context.js";
import { AccessDenied, type Denial, accessOf, forbidden, unauthenticated } from "./denied.js";
import { targetOfArgs } from "./denial-target.js";
import type { Access, Place } from "./access.js";
import type { Permission } from "./permissions.js";
import { AUTHZ_EXTENSION, type AuthzRule } from "./rules.js";

type Resolver = GraphQLFieldResolver<unknown, RequestContext>;

/** What the guard needs of a request: its access, and where refusals are recorded. */
export type GuardContext = Pick<RequestContext, "requestId" | "principal" | "client" | "access"> & {
  services: { denials: { record(caller: GuardContext, d: Denial): Promise<void> } };
};

const reported = new WeakMap<object, Set<string>>();
const enforced = new WeakSet<GraphQLSchema>();

/**
 * Whether a root field's rule lets this access run it, decided as guardRoot's check decides it but without
 * recording or throwing (for paths that hand refusals to the resolvers). On a schema whose rules are not
 * enforced (the raw one), everything runs.
 */
export function rootRuleAllows(
  schema: GraphQLSchema,
  field: GraphQLField<unknown, unknown>,
  access: Access,
): boolean {
  if (!enforced.has(schema)) return true;
  const rule = field.extensions?.[AUTHZ_EXTENSION] as AuthzRule | undefined;
  if (rule && "public" in rule) return true;
  return access.principal !== null && rule !== undefined && access.holdsAnywhere(rule.permission);
}

/**
 * Enforces the declared rules: one check per root field (the principal must hold the field's permission
 * somewhere; object-level scoping is the services' and loaders' job), and one per field that carries its
 * own rule (sensitive fields), decided where the parent object belongs. Other fields are left alone:
 * a wrapper on every leaf would cost more than the SQL.
 */
export function enforceRules(schema: GraphQLSchema): GraphQLSchema {
  const roots = new Set(
    [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter((t) => t != null),
  );
  for (const type of Object.values(schema.getTypeMap())) {
    if (!(type instanceof GraphQLObjectType) || type.name.startsWith("__")) continue;
    for (const field of Object.values(type.getFields())) {
      const rule = field.extensions?.[AUTHZ_EXTENSION] as AuthzRule | undefined;
      if (roots.has(type)) guardRoot(field, rule, `${type.name}.${field.name}`);
      else if (rule && "permission" in rule) guardField(field, rule.permission, type.name);
    }
  }
  enforced.add(schema);
  return schema;
}

function guardRoot(field: GraphQLField<unknown, RequestContext>, rule: AuthzRule | undefined, name: string) {
  if (rule && "public" in rule) return;
  // A root field without a rule is refused outright (and test/unit/authz-rules.test.ts fails).
  const permission = rule?.permission;
  const check = (ctx: GuardContext, args: Record<string, unknown>): Promise<void> | void => {
    const access = accessOf(ctx);
    if (!access.principal) throw unauthenticated();
    if (!permission) throw new DomainError("FORBIDDEN", `${name} declares no authorization rule`);
    if (access.holdsAnywhere(permission)) return;
    // The object the operation aimed at, when it names one: the refusal goes into its operator's chain.
    const target = targetOfArgs(args);
    const e = target
      ? new AccessDenied(
          {
            permission,
            targetKind: target.kind,
            targetId: target.id,
            operatorId: null,
            reason: `forbidden: ${name} needs ${permission}`,
          },
          "FORBIDDEN",
          `not allowed: this needs the permission ${permission}`,
          { permission },
        )
      : forbidden({ permission, targetKind: "operation", targetId: name, operatorId: null });
    return ctx.services.denials.record(ctx, e.denial).then(() => {
      throw e;
    });
  };
  const wrap = (inner: Resolver): Resolver =>
    async function guarded(source, args, ctx, info) {
      const g = ctx as unknown as GuardContext;
      await check(g, args as Record<string, unknown>);
      try {
        return await inner(source, args, ctx, info);
      } catch (e) {
        if (e instanceof AccessDenied) await g.services.denials.record(g, e.denial);
        throw e;
      }
    };
  field.resolve = wrap(field.resolve ?? (defaultFieldResolver as Resolver));
  if (field.subscribe) field.subscribe = wrap(field.subscribe);
}

/** Sensitive fields: decided where the parent belongs, or installation-wide when that is not known. */
function guardField(field: GraphQLField<unknown, RequestContext>, permission: Permission, typeName: string) {
  const inner = field.resolve ?? (defaultFieldResolver as Resolver);
  const name = `${typeName}.${field.name}`;
  field.resolve = function guardedField(source, args, ctx, info) {
    const g = ctx as unknown as GuardContext;
    const at = placeOf(source, typeName);
    const access = accessOf(g);
    const ok = at === null ? access.installationWide(permission) : access.allows(permission, at);
    if (ok) return inner(source, args, ctx, info);
    const e = forbidden({
      permission,
      targetKind: "field",
      targetId: name,
      operatorId: at?.operatorId ?? null,
    });
    // One record per field and request, however many objects the field was asked of.
    let seen = reported.get(g);
    if (!seen) reported.set(g, (seen = new Set()));
    if (seen.has(name)) throw e;
    seen.add(name);
    return g.services.denials.record(g, e.denial).then(() => {
      throw e;
    });
  };
}

/** Where the parent belongs: it names its provider and its operator (a Provider or an Operator is its own). */
function placeOf(source: unknown, typeName: string): Place | null {
  const s = source as { operatorId?: unknown; providerId?: unknown; uuid?: unknown };
  if (typeName === "Provider" && typeof s.uuid === "string") return { providerId: s.uuid, operatorId: null };
  if (typeof s.providerId !== "string") return null;
  if (typeName === "Operator" && typeof s.uuid === "string")
    return { providerId: s.providerId, operatorId: s.uuid };
  return { providerId: s.providerId, operatorId: typeof s.operatorId === "string" ? s.operatorId : null };
}
