import { readFile, writeFile } from "node:fs/promises";
import { printSchema, lexicographicSortSchema } from "graphql";
import type { Command } from "commander";
import { createSchema } from "../graphql/schema.js";

export const SCHEMA_FILE = "schema/schema.graphql";

export async function renderSchema(): Promise<string> {
  const schema = await createSchema();
  return `# Generated from the code by \`npm run schema:emit\`; do not edit.\n\n${printSchema(lexicographicSortSchema(schema))}\n`;
}

export function registerSchemaCommands(program: Command): void {
  program
    .command("schema")
    .description("the GraphQL schema file")
    .command("emit")
    .option("--check", "fail if the committed file differs from the code")
    .action(async (opts: { check?: boolean }) => {
      const text = await renderSchema();
      if (opts.check) {
        const committed = await readFile(SCHEMA_FILE, "utf8").catch(() => "");
        if (committed !== text) {
          console.error(`${SCHEMA_FILE} is stale: run npm run schema:emit and commit it`);
          process.exitCode = 1;
          return;
        }
        console.log(`${SCHEMA_FILE} is up to date`);
        return;
      }
      await writeFile(SCHEMA_FILE, text);
      console.log(`wrote ${SCHEMA_FILE}`);
    });
}
