import { readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "@jest/globals";
import { entities } from "../../src/entities.js";
import { moduleEntities } from "../../src/modules.js";

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
