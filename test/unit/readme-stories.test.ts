import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "@jest/globals";

// The README's "Stories" section shows what the story suite runs: each GraphQL document quoted as its file
// is, and every command line the suite types. A change to one without the other fails here.
const DIR = "test/e2e/stories";
const SUITE = ["test/e2e/stories.test.ts", path.join(DIR, "platform.ts")];

function storiesSection(): string {
  const readme = readFileSync("README.md", "utf8");
  const start = readme.indexOf("\n## Stories\n");
  if (start < 0) throw new Error('README.md has no "## Stories" section');
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** Each `<!-- test/e2e/stories/NAME.graphql -->` marker with the graphql block after it. */
function quotedDocuments(section: string): Map<string, string> {
  const quoted = new Map<string, string>();
  for (const m of section.matchAll(
    /<!-- (test\/e2e\/stories\/[\w-]+\.graphql) -->\n\n```graphql\n([\s\S]*?)```/g,
  ))
    quoted.set(m[1]!, m[2]!);
  return quoted;
}

/** The first argument of every `sh(…)` call of the suite: a string or template literal without interpolation. */
function commandLines(): string[] {
  return SUITE.flatMap((file) =>
    [...readFileSync(file, "utf8").matchAll(/\bsh\(\s*(["`])((?:\\.|(?!\1)[^\\])*)\1/g)].map((m) => {
      if (m[1] === "`" && m[2]!.includes("${")) throw new Error(`${file}: interpolated command line ${m[2]}`);
      return m[2]!;
    }),
  );
}

describe("README Stories", () => {
  const section = storiesSection();

  it("quotes every story document exactly as its file holds it, and no other", () => {
    const files = readdirSync(DIR)
      .filter((f) => f.endsWith(".graphql"))
      .map((f) => path.join(DIR, f))
      .sort();
    const quoted = quotedDocuments(section);
    expect([...quoted.keys()].sort()).toEqual(files);
    for (const file of files)
      expect({ file, text: quoted.get(file) }).toEqual({ file, text: readFileSync(file, "utf8") });
  });

  it("shows every command line the suite types, as a line of a sh block", () => {
    const lines = new Set(
      [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split("\n").map((l) => l.trim())),
    );
    const typed = commandLines();
    expect(typed.length).toBeGreaterThan(10);
    expect(typed.filter((line) => !lines.has(line))).toEqual([]);
  });
});
