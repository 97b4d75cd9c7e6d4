import { describe, expect, it } from "@jest/globals";
import { GraphQLObjectType, type GraphQLSchema } from "graphql";
import { AUTHZ_EXTENSION, type AuthzRule } from "../../src/authz/rules.js";
import { Permission } from "../../src/authz/permissions.js";
import { SELF_PERMISSIONS } from "../../src/authz/roles.js";
import { catalogue } from "../../src/modules.js";
import { createSchema } from "../../src/graphql/schema.js";

/** Every rule in the schema, root fields and sensitive fields alike, by Type.field. */
function rulesOf(schema: GraphQLSchema): Map<string, AuthzRule> {
  const out = new Map<string, AuthzRule>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!(type instanceof GraphQLObjectType) || type.name.startsWith("__")) continue;
    for (const field of Object.values(type.getFields())) {
      const rule = field.extensions?.[AUTHZ_EXTENSION] as AuthzRule | undefined;
      if (rule) out.set(`${type.name}.${field.name}`, rule);
    }
  }
  return out;
}

// Root fields anyone may call. Adding one here is a decision, not a convenience.
const PUBLIC_FIELDS: string[] = [
  // Public keys are public: auditors verify exports offline with them (also at GET /accounting/keys).
  "accountingPublicKeys",
];

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
  it("grants the permission of every rule to at least one role", async () => {
    const granted = new Set(catalogue.roles.flatMap((r) => r.permissions));
    const ungranted = [...rulesOf(await createSchema())]
      .filter(([, rule]) => "permission" in rule && !granted.has(rule.permission))
      .map(([name, rule]) => `${name} (${"permission" in rule ? rule.permission : ""})`);
    expect(ungranted).toEqual([]);
  });

  it("gives sensitive fields rules with known permissions", async () => {
    const rules = rulesOf(await createSchema());
    expect(rules.get("Provider.bespokeInfo")).toEqual({ permission: Permission.ProviderInfoRead });
    for (const rule of rules.values()) {
      if ("permission" in rule) expect(Object.values(Permission)).toContain(rule.permission);
    }
  });

  it("defines each role once, granted somewhere, with known permissions", () => {
    expect(new Set(catalogue.roles.map((r) => r.name)).size).toBe(catalogue.roles.length);
    for (const role of catalogue.roles) {
      expect(role.domains.length).toBeGreaterThan(0);
      for (const p of role.permissions) expect(Object.values(Permission)).toContain(p);
    }
    // platform-admin holds every permission there is; provider-admin all but creating providers.
    expect(new Set(catalogue.roles.find((r) => r.name === "platform-admin")!.permissions)).toEqual(
      new Set(Object.values(Permission)),
    );
    expect(new Set(catalogue.roles.find((r) => r.name === "provider-admin")!.permissions)).toEqual(
      new Set(Object.values(Permission).filter((p) => p !== Permission.ProviderCreate)),
    );
    // Read-only roles stay read-only: no permission with a verb that changes something (one's own
    // second factor aside).
    for (const name of ["provider-viewer", "operator-viewer", "auditor", "config-reader"]) {
      const role = catalogue.roles.find((r) => r.name === name)!;
      const changing = role.permissions.filter((p) => !p.endsWith(":read") && !SELF_PERMISSIONS.has(p));
      expect([name, changing]).toEqual([name, name === "config-reader" ? [Permission.StateReport] : []]);
    }
  });
});
