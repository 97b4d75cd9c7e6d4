import type { DataSource } from "typeorm";
import { DomainError } from "../common/errors.js";
import { migrate } from "../db/data-source.js";
import { withDatabase } from "./database.js";
import { UsageError } from "./domain-option.js";

/** Every command printing its result takes --json. */
export type Json = { json?: boolean };

/** Opens the database, migrates, runs the command, prints its result (JSON or lines), sets the exit code. */
export async function run(opts: Json, work: (ds: DataSource) => Promise<unknown>): Promise<void> {
  try {
    const result = await withDatabase(async (ds) => {
      await migrate(ds);
      return work(ds);
    });
    if (opts.json) console.log(JSON.stringify(result));
    else print(result);
  } catch (e) {
    if (!(e instanceof UsageError || e instanceof DomainError)) throw e;
    const field = e instanceof DomainError ? e.extensions.field : undefined;
    const message = `${e.message}${field ? ` (${String(field)})` : ""}`;
    if (opts.json)
      console.log(
        JSON.stringify({ error: { message, code: e instanceof DomainError ? e.code : "BAD_USAGE" } }),
      );
    console.error(`fedicentral: ${message}`);
    process.exitCode = 2;
  }
}

function print(result: unknown): void {
  const rows = Array.isArray(result) ? result : [result];
  for (const r of rows) {
    console.log(
      Object.entries(r as object)
        .map(
          ([k, v]) =>
            `${k}: ${Array.isArray(v) ? v.join(", ") : v instanceof Date ? v.toISOString() : String(v)}`,
        )
        .join("\n"),
    );
    if (rows.length > 1) console.log("");
  }
}
