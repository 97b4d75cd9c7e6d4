import type { DataSource } from "typeorm";
import { type Domain, INSTALLATION } from "../authz/model.js";
import { sql } from "../db/named-sql.js";

/** Bad input: a message naming what to fix, and exit code 2. */
export class UsageError extends Error {}

/** Where a command's role applies: `--operator <slug>` (with `--provider` to tell apart), `--provider`, or neither. */
export type DomainOptions = { operator?: string; provider?: string };

export const DOMAIN_HELP = {
  operator: "the operator the role is held for (with --provider: the operator of that provider)",
  provider: "the provider the role is held for (without --operator); neither: installation-wide",
};

/** The domain the options name: an operator, a provider, or the installation. */
export async function domainOf(ds: DataSource, o: DomainOptions): Promise<Domain> {
  if (o.operator) return { kind: "operator", operatorId: await operatorIdOf(ds, o.provider, o.operator) };
  if (o.provider) return { kind: "provider", providerId: await providerIdOf(ds, o.provider) };
  return INSTALLATION;
}

const PROVIDER_BY_SLUG = sql("cli.domain.providerBySlug", `SELECT id FROM provider WHERE slug = $1`);

export async function providerIdOf(ds: DataSource, slug: string): Promise<string> {
  const [row] = await ds.query(PROVIDER_BY_SLUG, [slug]);
  if (!row) throw new UsageError(`no provider with slug ${slug}`);
  return row.id;
}

const OPERATOR_BY_SLUG = sql(
  "cli.domain.operatorBySlug",
  `SELECT o.id FROM operator o JOIN provider p ON p.id = o.provider_id
     WHERE o.slug = $1 AND ($2::text IS NULL OR p.slug = $2)`,
);

export async function operatorIdOf(
  ds: DataSource,
  providerSlug: string | undefined,
  slug: string,
): Promise<string> {
  const rows: { id: string }[] = await ds.query(OPERATOR_BY_SLUG, [slug, providerSlug ?? null]);
  if (rows.length === 0)
    throw new UsageError(`no operator with slug ${slug}${providerSlug ? ` at ${providerSlug}` : ""}`);
  if (rows.length > 1)
    throw new UsageError(`several providers have an operator ${slug}: add --provider <slug>`);
  return rows[0]!.id;
}
