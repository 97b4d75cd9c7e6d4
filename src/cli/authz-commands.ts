import type { Command } from "commander";
import type { DataSource } from "typeorm";
import { isSubject, operatorDomain, operatorOfDomain } from "../authz/model.js";
import { deleteGrant, writeGrant } from "../authz/policy-store.js";
import { roleDomainProblem, roleNamed } from "../authz/roles.js";
import { migrate } from "../db/data-source.js";
import { inTransaction } from "../db/transaction.js";
import { commandLineCaller } from "./cli-caller.js";
import { withDatabase } from "./database.js";

type Where = { operator?: string; provider?: string };

/**
 * Role grants from the command line, for operations staff on the server itself (no sign-in, no checks:
 * whoever runs it holds the database). Each change is recorded like one made through the API, and every
 * server process hears of it through the policy watcher.
 */
export function registerAuthzCommands(program: Command): void {
  const role = program.command("role").description("role grants (authorization)");
  const where = (c: Command) =>
    c
      .option("--operator <slug>", "the operator the role is held for (omit for provider-wide roles)")
      .option("--provider <slug>", "with --operator: the operator's provider");

  where(
    role.command("grant <subject> <role>").description("grant a role, e.g. user:<id> provider-admin"),
  ).action((subject: string, name: string, o: Where) =>
    change(subject, name, o, async (ds, grant) => {
      const { created } = await inTransaction(ds, (tx) =>
        writeGrant(tx, commandLineCaller("role grant"), grant),
      );
      return created ? "granted" : "held already";
    }),
  );

  where(role.command("revoke <subject> <role>").description("revoke a role")).action(
    (subject: string, name: string, o: Where) =>
      change(subject, name, o, async (ds, grant) => {
        const removed = await inTransaction(ds, (tx) =>
          deleteGrant(tx, commandLineCaller("role revoke"), grant),
        );
        return removed ? "revoked" : "not held";
      }),
  );

  role
    .command("list")
    .description("list grants")
    .option("--subject <subject>", "only this subject's")
    .action((o: { subject?: string }) =>
      withDatabase(async (ds) => {
        await migrate(ds);
        const rows: { subject: string; role: string; domain: string; slug: string | null }[] = await ds.query(
          `SELECT r.v0 AS subject, r.v1 AS role, r.v2 AS domain, o.slug
             FROM casbin_rule r LEFT JOIN operator o ON r.v2 = 'operator:' || o.id
            WHERE r.ptype = 'g' AND ($1::text IS NULL OR r.v0 = $1) ORDER BY r.v0, r.v2, r.v1`,
          [o.subject ?? null],
        );
        for (const r of rows) {
          const at = operatorOfDomain(r.domain) ? `operator ${r.slug ?? "?"} (${r.domain})` : r.domain;
          console.log(`${r.subject}\t${r.role}\t${at}`);
        }
      }),
    );
}

async function change(
  subject: string,
  name: string,
  o: Where,
  work: (
    ds: DataSource,
    grant: { subject: string; role: string; operatorId: string | null },
  ) => Promise<string>,
): Promise<void> {
  const role = roleNamed(name);
  const domainProblem = role && roleDomainProblem(role, o.operator ? "operator" : "provider");
  const problem = !isSubject(subject)
    ? `subject must be user:<id> or client:<id>, not ${subject}`
    : !role
      ? `unknown role ${name}`
      : domainProblem
        ? `${domainProblem}: ${o.operator ? "drop --operator" : "add --operator <slug>"}`
        : null;
  if (problem) {
    console.error(`fedicentral: ${problem}`);
    process.exitCode = 2;
    return;
  }
  await withDatabase(async (ds) => {
    await migrate(ds);
    let operatorId: string | null = null;
    if (o.operator) {
      const rows: { id: string }[] = await ds.query(
        `SELECT o.id FROM operator o JOIN provider p ON p.id = o.provider_id
          WHERE o.slug = $1 AND ($2::text IS NULL OR p.slug = $2)`,
        [o.operator, o.provider ?? null],
      );
      if (rows.length !== 1) {
        console.error(
          `fedicentral: ${rows.length ? "several operators have this slug: add --provider <slug>" : `no operator ${o.operator}`}`,
        );
        process.exitCode = 2;
        return;
      }
      operatorId = rows[0]!.id;
    }
    const outcome = await work(ds, { subject, role: name, operatorId });
    console.log(`${outcome}: ${subject} ${name} in ${operatorId ? operatorDomain(operatorId) : "provider"}`);
  });
}
