import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import type { FeatureModule } from "../../../src/feature-module.js";
import { createSchema } from "../../../src/graphql/schema.js";
import { modules } from "../../../src/modules.js";

const declared: readonly FeatureModule[] = modules;

/** Each mutation's declarations across the modules: the event kinds it writes, or why it writes none. */
function declarations(): Map<string, { module: string; events?: readonly string[]; why?: string }[]> {
  const out = new Map<string, { module: string; events?: readonly string[]; why?: string }[]>();
  const add = (mutation: string, d: { module: string; events?: readonly string[]; why?: string }) =>
    out.set(mutation, [...(out.get(mutation) ?? []), d]);
  for (const m of declared) {
    for (const [mutation, events] of Object.entries(m.events ?? {}))
      add(mutation, { module: m.name, events });
    for (const [mutation, why] of Object.entries(m.eventless ?? {})) add(mutation, { module: m.name, why });
  }
  return out;
}

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );

describe("accounting of mutations", () => {
  it("has every mutation of the schema declare, in one module, the accounting events it writes", async () => {
    const mutations = Object.keys((await createSchema()).getMutationType()!.getFields());
    const all = declarations();
    const undeclared = mutations.filter((m) => !all.has(m));
    const twice = mutations.filter((m) => (all.get(m)?.length ?? 0) > 1);
    const stale = [...all.keys()].filter((m) => !mutations.includes(m));
    expect({ undeclared, twice, stale }).toEqual({ undeclared: [], twice: [], stale: [] });
    // A mutation that writes none says why: it changes nothing, or its change is recorded elsewhere.
    for (const [mutation, [d]] of all) {
      if (d!.why !== undefined)
        expect({ mutation, why: d!.why.length > 10 }).toEqual({ mutation, why: true });
    }
  });

  it("declares only event kinds the code writes (a target kind and an action it records)", () => {
    const code = sources("src")
      .map((f) => readFileSync(f, "utf8"))
      .join("\n");
    const unknown = declared
      .flatMap((m) => Object.values(m.events ?? {}).flat())
      .filter((kind) => {
        const [targetKind, action] = kind.split(".") as [string, string];
        return !code.includes(`targetKind: "${targetKind}"`) || !code.includes(`"${action}"`);
      });
    expect(unknown).toEqual([]);
  });
});
