import { readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "@jest/globals";
import { entities } from "../../src/entities.js";
import { buildCatalogue } from "../../src/authz/catalogue.js";
import { Permission } from "../../src/authz/permissions.js";
import type { FeatureModule } from "../../src/feature-module.js";
import { moduleGrants } from "../../src/grants.js";
import { catalogue, moduleEntities, modules } from "../../src/modules.js";

const entityFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? entityFiles(join(dir, e.name))
      : e.name.endsWith(".entity.ts")
        ? [join(dir, e.name)]
        : [],
  );

describe("the module list", () => {
  it("names the same tables as the DataSource's list", () => {
    expect(new Set(moduleEntities)).toEqual(new Set(entities));
    expect(moduleEntities).toHaveLength(entities.length);
  });

  it("has every entity of the code in some module", async () => {
    const listed = new Set<unknown>(entities);
    const missing: string[] = [];
    for (const file of entityFiles("src")) {
      const exported = (await import(pathToFileURL(join(process.cwd(), file)).href)) as Record<
        string,
        unknown
      >;
      for (const [name, value] of Object.entries(exported)) {
        if (name.endsWith("Entity") && typeof value === "function" && !listed.has(value)) missing.push(name);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe("the role catalogue", () => {
  it("is built from the same grants without the modules (src/grants.ts) as from the module list", () => {
    const declared: readonly FeatureModule[] = modules;
    expect(moduleGrants.map((g) => g.name)).toEqual(declared.map((m) => m.name));
    moduleGrants.forEach((g, i) => expect(g.grants).toBe(declared[i]!.grants));
  });

  it("takes every permission, each role's permissions and the read permissions from the modules", () => {
    expect(new Set(catalogue.permissions)).toEqual(new Set(Object.values(Permission)));
    expect(catalogue.role("operator-member")!.permissions).toEqual(
      declaredTo("operator-member").map(([p]) => p),
    );
    expect(catalogue.readOf.get("Run")).toBe(Permission.RunRead);
  });

  it("refuses a permission no module owns, one two modules own, and a node kind read two ways", () => {
    const { [Permission.ProviderCreate]: _, ...others } = Object.fromEntries(
      Object.values(Permission).map((p) => [p, ["platform-admin"] as const]),
    ) as Record<string, readonly ["platform-admin"]>;
    expect(() => buildCatalogue([{ name: "a", grants: { permissions: others } }])).toThrow(
      "no module declares the permission(s) provider:create",
    );
    const all = { permissions: { ...others, [Permission.ProviderCreate]: ["platform-admin"] as const } };
    expect(() =>
      buildCatalogue([
        { name: "a", grants: all },
        { name: "b", grants: { permissions: { [Permission.RunRead]: [] } } },
      ]),
    ).toThrow("the permission run:read is declared by a and b");
    const read = { readOf: { Run: Permission.RunRead } };
    expect(() =>
      buildCatalogue([
        { name: "a", grants: { ...all, ...read } },
        { name: "b", grants: read },
      ]),
    ).toThrow("the read permission of Run is declared twice (b)");
  });
});

/** The permissions the modules grant a role, in module order. */
const declaredTo = (role: string) =>
  (modules as readonly FeatureModule[]).flatMap((m) =>
    Object.entries(m.grants?.permissions ?? {}).filter(([, roles]) => (roles as string[]).includes(role)),
  );
