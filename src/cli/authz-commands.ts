import type { Command } from "commander";
import type { DataSource } from "typeorm";
import { type Domain, domainName, isSubject, operatorOfDomain, providerOfDomain } from "../authz/model.js";
import { deleteGrant, writeGrant } from "../authz/policy-store.js";
import { roleDomainProblem, roleNamed } from "../authz/roles.js";
import { migrate } from "../db/data-source.js";
import { inTransaction } from "../db/transaction.js";
import { commandLineCaller } from "./cli-caller.js";
import { withDatabase } from "./database.js";
import { DOMAIN_HELP, type DomainOptions, UsageError, domainOf } from "./domain-option.js";
import { sql } from "../db/named-sql.js";

const GRANTS = sql(
  "cli.authz.grants",
  `SELECT r.v0 AS subject, r.v1 AS role, r.v2 AS domain, coalesce(o.slug, p.slug) AS slug
             FROM casbin_rule r LEFT JOIN operator o ON r.v2 = 'operator:' || o.id
                  LEFT JOIN provider p ON r.v2 = 'provider:' || p.id
            WHERE r.ptype = 'g' AND ($1::text IS NULL OR r.v0 = $1) ORDER BY r.v0, r.v2, r.v1`,
);

/**
 * Role grants from the command line, for operations staff on the server itself (no sign-in, no checks:
 * whoever runs it holds the database). Each change is recorded like one made through the API, and every
 * server process hears of it through the policy watcher.
 */
export function registerAuthzCommands(program: Command): void {
  const role = program.command("role").description("role grants (authorization)");
  const where = (c: Command) =>
    c.option("--operator <slug>", DOMAIN_HELP.operator).option("--provider <slug>", DOMAIN_HELP.provider);

  where(
    role
      .command("grant <subject> <role>")
      .description(
        "grant a role, e.g. user:<id> provider-admin --provider <slug>, or user:<id> platform-admin",
      ),
  ).action((subject: string, name: string, o: DomainOptions) =>
    change(subject, name, o, async (ds, grant) => {
      const { created } = await inTransaction(ds, (tx) =>
        writeGrant(tx, commandLineCaller("role grant"), grant),
      );
      return created ? "granted" : "held already";
    }),
  );

  where(role.command("revoke <subject> <role>").description("revoke a role")).action(
    (subject: string, name: string, o: DomainOptions) =>
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
          GRANTS,
          [o.subject ?? null],
        );
        for (const r of rows) {
          const kind = operatorOfDomain(r.domain)
            ? "operator"
            : providerOfDomain(r.domain)
              ? "provider"
              : null;
          const at = kind ? `${kind} ${r.slug ?? "?"} (${r.domain})` : r.domain;
          console.log(`${r.subject}\t${r.role}\t${at}`);
        }
      }),
    );
}

async function change(
  subject: string,
  name: string,
  o: DomainOptions,
  work: (ds: DataSource, grant: { subject: string; role: string; domain: Domain }) => Promise<string>,
): Promise<void> {
  const role = roleNamed(name);
  const problem = !isSubject(subject)
    ? `subject must be user:<id> or client:<id>, not ${subject}`
    : !role
      ? `unknown role ${name}`
      : null;
  if (problem) return usage(problem);
  await withDatabase(async (ds) => {
    await migrate(ds);
    let domain: Domain;
    try {
      domain = await domainOf(ds, o);
    } catch (e) {
      if (e instanceof UsageError) return usage(e.message);
      throw e;
    }
    const domainProblem = roleDomainProblem(role!, domain.kind);
    if (domainProblem) return usage(`${domainProblem}: ${HOW_TO_NAME[role!.domains[0]!]}`);
    const outcome = await work(ds, { subject, role: name, domain });
    console.log(`${outcome}: ${subject} ${name} in ${domainName(domain)}`);
  });
}

const HOW_TO_NAME = {
  installation: "name neither --operator nor --provider",
  provider: "name --provider <slug> only",
  operator: "name --operator <slug>",
} as const;

function usage(problem: string): void {
  console.error(`fedicentral: ${problem}`);
  process.exitCode = 2;
}
