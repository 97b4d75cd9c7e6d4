import type { DataSource } from "typeorm";
import type { AccountingConfig } from "./accounting/accounting-config.js";
import { ConfigError } from "./common/config-error.js";
import type { Config } from "./config.js";
import { sql } from "./db/named-sql.js";
import type { NetboxConfig } from "./netbox/netbox-config.js";

// What production mode refuses to start without: a lost key loses data (everything sealed under it) or
// trust (checkpoints nobody can sign), and a generated one would sit in the working directory.

const needed = (variable: string, why: string) =>
  `${variable} (or ${variable}_FILE) is required in production (NODE_ENV=production): ${why}`;

/** Before anything connects: the keys a server or worker cannot do without. */
export function requireProductionSettings(
  config: Pick<Config, "production" | "databaseUrl" | "authn">,
  accounting: Pick<AccountingConfig, "signingKeySecret">,
): void {
  if (!config.production) return;
  const problems: string[] = [];
  if (!config.databaseUrl)
    problems.push(needed("DATABASE_URL", "embedded PostgreSQL is for development only"));
  if (!config.authn.encryptionKey)
    problems.push(
      needed(
        "AUTH_ENCRYPTION_KEY",
        "it encrypts the token signing keys and TOTP secrets; no key is generated",
      ),
    );
  if (!accounting.signingKeySecret)
    problems.push(needed("ACCOUNTING_SIGNING_KEY_SECRET", "without it no accounting checkpoint is signed"));
  if (problems.length) throw new ConfigError(problems.join("\n"));
}

const ANY_NETBOX_CONNECTION = sql(
  "production.anyNetboxConnection",
  `SELECT EXISTS (SELECT 1 FROM netbox_connection) AS present`,
);

/** Once migrated: NetBox tokens and webhook secrets are sealed under NETBOX_SECRET_KEY as soon as one exists. */
export async function requireNetboxKey(
  ds: DataSource,
  config: Pick<Config, "production">,
  netbox: Pick<NetboxConfig, "secretBox">,
): Promise<void> {
  if (!config.production || netbox.secretBox) return;
  const [row] = (await ds.query(ANY_NETBOX_CONNECTION)) as {
    present: boolean;
  }[];
  if (row?.present)
    throw new ConfigError(
      needed("NETBOX_SECRET_KEY", "a NetBox connection exists, and its token is sealed under that key"),
    );
}
