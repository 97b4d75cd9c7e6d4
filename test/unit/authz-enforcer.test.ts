import { describe, expect, it } from "@jest/globals";
import { newEnforcer, newModelFromString } from "casbin";
import fc from "fast-check";
import { DomainEnforcer, explainWith } from "../../src/authz/enforcer-cache.js";
import { CASBIN_MODEL, splitPermission } from "../../src/authz/model.js";
import { Permission } from "../../src/authz/permissions.js";
import { catalogue } from "../../src/modules.js";

const DOMAIN = "operator:00000000-0000-4000-8000-000000000001";
const OTHER = "operator:00000000-0000-4000-8000-000000000002";
const subjects = ["user:a", "user:b", "client:c"];
const roleNames = catalogue.roles.map((r) => r.name);

/** An in-memory enforcer of the real model with the real roles and the given grants. */
async function enforcerWith(grants: [string, string, string][]) {
  const e = await newEnforcer(newModelFromString(CASBIN_MODEL));
  for (const r of catalogue.roles)
    for (const p of r.permissions) await e.addPolicy(r.name, ...splitPermission(p));
  for (const g of grants) await e.addGroupingPolicy(...g);
  return e;
}

describe("DomainEnforcer", () => {
  it("answers every check exactly as Casbin's matcher does", async () => {
    const grant = fc.tuple(
      fc.constantFrom(...subjects),
      fc.constantFrom(...roleNames),
      fc.constantFrom(DOMAIN, OTHER),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(grant, { maxLength: 8 }), async (grants) => {
        const e = await enforcerWith(grants);
        // Only this domain's lines, as filtered loading would give it; Casbin itself still sees them all.
        const mine = await enforcerWith(grants.filter((g) => g[2] === DOMAIN));
        const d = await DomainEnforcer.of(DOMAIN, mine);
        for (const s of [...subjects, "user:nobody"]) {
          for (const p of Object.values(Permission)) {
            expect([s, p, d.check(s, p)]).toEqual([s, p, e.enforceSync(s, DOMAIN, ...splitPermission(p))]);
          }
        }
      }),
      { numRuns: 30 },
    );
  });

  it("explains with the policy line Casbin matched", async () => {
    const e = await enforcerWith([["user:a", "operator-viewer", DOMAIN]]);
    const d = await DomainEnforcer.of(DOMAIN, e);
    expect(explainWith(e, DOMAIN, "user:a", Permission.DeploymentRead)).toEqual([
      true,
      ["operator-viewer", "deployment", "read"],
    ]);
    expect(explainWith(e, DOMAIN, "user:a", Permission.DeploymentWrite)).toEqual([false, []]);
    expect(d.rolePermissions.get("config-reader")).toEqual(
      new Set([Permission.ConfigRead, Permission.StateReport]),
    );
  });
});
