import { describe, expect, it } from "@jest/globals";
import type { GraphQLObjectType } from "graphql";
import { AUTHZ_EXTENSION, type AuthzRule } from "../../src/authz/rules.js";
import { Permission } from "../../src/authz/permissions.js";
import { createSchema } from "../../src/graphql/schema.js";

// Root fields anyone may call. Adding one here is a decision, not a convenience.
const PUBLIC_FIELDS: string[] = [];

describe("authorization rules", () => {
  it("declares exactly one rule on every root query and mutation", async () => {
    const schema = await createSchema();
    const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(
      (t): t is GraphQLObjectType => t != null,
    );
    const missing: string[] = [];
    const invalid: string[] = [];
    for (const root of roots) {
      for (const field of Object.values(root.getFields())) {
        const rule = field.extensions?.[AUTHZ_EXTENSION] as AuthzRule | undefined;
        const name = `${root.name}.${field.name}`;
        if (!rule) missing.push(name);
        else if (
          "public" in rule
            ? !PUBLIC_FIELDS.includes(field.name)
            : !Object.values(Permission).includes(rule.permission)
        ) {
          invalid.push(name);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(invalid).toEqual([]);
    expect(Object.keys(schema.getMutationType()!.getFields()).length).toBeGreaterThan(10);
  });
});
