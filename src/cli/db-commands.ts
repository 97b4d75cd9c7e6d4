import { writeFile } from "node:fs/promises";
import path from "node:path";
import { Client } from "pg";
import type { Command } from "commander";
import { seedDemo } from "../../seeds/demo.js";
import { migrate, pendingSchemaChanges } from "../db/data-source.js";
import { sqlTemplate } from "../db/named-sql.js";
import { withDatabase } from "./database.js";

const CREATE_SCRATCH = sqlTemplate<"database">("cli.db.createScratch", `CREATE DATABASE {{database}}`);
const DROP_SCRATCH = sqlTemplate<"database">(
  "cli.db.dropScratch",
  `DROP DATABASE IF EXISTS {{database}} WITH (FORCE)`,
);

/** A scratch database on the same server, dropped afterwards: migrations are generated and checked there. */
async function withScratchDatabase<T>(baseUrl: string, work: (url: string) => Promise<T>): Promise<T> {
  const name = `fedicentral_scratch_${process.pid}_${Date.now()}`;
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(CREATE_SCRATCH.fill({ database: name }));
  try {
    const u = new URL(baseUrl);
    u.pathname = `/${name}`;
    return await work(u.toString());
  } finally {
    await admin.query(DROP_SCRATCH.fill({ database: name }));
    await admin.end();
  }
}

/** The server on which scratch databases may be created: the same default as the tests use. */
function serverUrl(): string {
  return (
    process.env.DATABASE_URL || process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres"
  );
}

export function registerDbCommands(program: Command): void {
  const db = program.command("db").description("database schema and data");

  db.command("migrate")
    .description("apply pending migrations")
    .action(async () => {
      const applied = await withDatabase(migrate);
      console.log(applied.length ? `applied: ${applied.join(", ")}` : "nothing to apply");
    });

  db.command("seed")
    .description("load the idempotent demo data")
    .action(async () => {
      await withDatabase(async (ds) => {
        await migrate(ds);
        await seedDemo(ds);
      });
      console.log("seeded");
    });

  db.command("check")
    .description("apply every migration to an empty database and fail if the entities differ from the result")
    .action(async () => {
      const diff = await withScratchDatabase(serverUrl(), (url) =>
        withDatabase(async (ds) => {
          await migrate(ds);
          return pendingSchemaChanges(ds);
        }, url),
      );
      if (diff.length) {
        console.error(`entities differ from the migrated schema; generate a migration:\n${diff.join(";\n")}`);
        process.exitCode = 1;
        return;
      }
      console.log("migrations match the entities");
    });

  db.command("generate <name>")
    .description("write a migration for the difference between the migrated schema and the entities")
    .action(async (name: string) => {
      if (!/^[A-Z][A-Za-z0-9]+$/.test(name)) throw new Error("name must be PascalCase, e.g. AddRuns");
      const sql = await withScratchDatabase(serverUrl(), (url) =>
        withDatabase(async (ds) => {
          await migrate(ds, { referenceData: false });
          return ds.driver.createSchemaBuilder().log();
        }, url),
      );
      if (sql.upQueries.length === 0) {
        console.log("no changes");
        return;
      }
      const ts = Date.now();
      const className = `${name}${ts}`;
      const q = (s: string) => JSON.stringify(s);
      const up = sql.upQueries.map((x) => `    await queryRunner.query(${q(x.query)});`).join("\n");
      const down = sql.downQueries
        .reverse()
        .map((x) => `    await queryRunner.query(${q(x.query)});`)
        .join("\n");
      const file = path.join("migrations", `${ts}-${name}.ts`);
      await writeFile(
        file,
        `import type { MigrationInterface, QueryRunner } from "typeorm";

export class ${className} implements MigrationInterface {
  name = "${className}";

  public async up(queryRunner: QueryRunner): Promise<void> {
${up}
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
${down}
  }
}
`,
      );
      console.log(`wrote ${file}; add ${className} to migrations/index.ts and review it`);
    });
}
