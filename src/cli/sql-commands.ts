import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { namedStatements } from "../db/named-sql.js";

export const QUERIES_DIR = "schema/queries";

const SOURCE_ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * Every file of the code that names statements (it imports named-sql), the module list's first: importing
 * a file names its statements. Found by reading the files, so a new one needs no list.
 */
async function loadStatements(): Promise<ReadonlyMap<string, string>> {
  await import("../modules.js");
  const files = (await readdir(SOURCE_ROOT, { recursive: true }))
    .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith(".d.ts"))
    .sort();
  for (const f of files) {
    const file = path.join(SOURCE_ROOT, f);
    if ((await readFile(file, "utf8")).includes('/named-sql.js"')) await import(file);
  }
  return namedStatements();
}

/** The snapshot files: one per module (the name's first part), statements in name order. */
export async function renderQueries(): Promise<Map<string, string>> {
  const byModule = new Map<string, [string, string][]>();
  for (const [name, text] of await loadStatements()) {
    const module = name.split(".")[0]!;
    byModule.set(module, [...(byModule.get(module) ?? []), [name, text]]);
  }
  const files = new Map<string, string>();
  for (const [module, statements] of [...byModule].sort(([a], [b]) => a.localeCompare(b))) {
    const body = statements
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, text]) => `-- ${name}\n${text};\n`)
      .join("\n");
    files.set(`${module}.sql`, `-- Generated from the code by \`npm run sql:emit\`; do not edit.\n\n${body}`);
  }
  return files;
}

/** The committed snapshot, by file name. */
export async function committedQueries(dir = QUERIES_DIR): Promise<Map<string, string>> {
  const names = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith(".sql"));
  return new Map(
    await Promise.all(names.map(async (f) => [f, await readFile(path.join(dir, f), "utf8")] as const)),
  );
}

export function registerSqlCommands(program: Command): void {
  program
    .command("sql")
    .description("the snapshot of every named SQL statement")
    .command("emit")
    .option("--check", "fail if the committed files differ from the code")
    .action(async (opts: { check?: boolean }) => {
      const files = await renderQueries();
      const committed = await committedQueries();
      if (opts.check) {
        const same = files.size === committed.size && [...files].every(([f, t]) => committed.get(f) === t);
        if (!same) {
          console.error(`${QUERIES_DIR} is stale: run npm run sql:emit and commit it`);
          process.exitCode = 1;
          return;
        }
        console.log(`${QUERIES_DIR} is up to date`);
        return;
      }
      await mkdir(QUERIES_DIR, { recursive: true });
      for (const f of committed.keys()) if (!files.has(f)) await rm(path.join(QUERIES_DIR, f));
      for (const [f, text] of files) await writeFile(path.join(QUERIES_DIR, f), text);
      console.log(`wrote ${files.size} files to ${QUERIES_DIR}`);
    });
}
