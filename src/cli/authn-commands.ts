import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { DataSource } from "typeorm";
import { UserService } from "../authn/accounts/user.service.js";
import { secretBoxFor } from "../authn/authn.js";
import { ClientService } from "../authn/clients/client.service.js";
import { DEFAULT_RETIRED_KEY_LIFETIME_SECONDS, SigningKeys } from "../authn/keys/signing-keys.js";
import { domainName } from "../authz/model.js";
import { roleDomainProblem, roleNamed } from "../authz/roles.js";
import { toGlobalId } from "../common/global-id.js";
import { loadConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { OperatorService } from "../operators/operator.service.js";
import { ProviderService } from "../providers/provider.service.js";
import { commandLineCaller } from "./cli-caller.js";
import { type Json, run } from "./command-run.js";
import { DOMAIN_HELP, UsageError, domainOf, operatorIdOf, providerIdOf } from "./domain-option.js";
import { catalogue } from "../grants.js";

/**
 * Administration that must work before anyone can sign in: providers, operators, the first users and
 * service accounts, signing keys. Every command migrates first, so it works on an empty database.
 */
export function registerAuthnCommands(program: Command): void {
  const provider = program.command("provider").description("providers");
  provider
    .command("create")
    .description("create a provider")
    .requiredOption("--name <name>", "display name")
    .requiredOption("--slug <slug>", "short unique name")
    .option("--email <email>", "contact email (default: ops@<slug>.invalid)")
    .option("--json", "print JSON")
    .action((o: { name: string; slug: string; email?: string } & Json) =>
      run(o, async (ds) => {
        const id = await new ProviderService(ds).create(commandLineCaller("provider create"), {
          name: o.name,
          slug: o.slug,
          contactEmail: o.email ?? `ops@${o.slug}.invalid`,
        });
        return { id: toGlobalId("Provider", id), slug: o.slug };
      }),
    );

  const operator = program.command("operator").description("operators");
  operator
    .command("create")
    .description("create an operator at a provider")
    .requiredOption("--provider <slug>", "the provider's slug")
    .requiredOption("--name <name>", "display name")
    .requiredOption("--slug <slug>", "short name, unique at the provider")
    .requiredOption("--email <email>", "contact email")
    .requiredOption("--dns-zone <zone>", "the operator's DNS zone")
    .option("--json", "print JSON")
    .action((o: { provider: string; name: string; slug: string; email: string; dnsZone: string } & Json) =>
      run(o, async (ds) => {
        const providerId = await providerIdOf(ds, o.provider);
        const id = await new OperatorService(ds).create(commandLineCaller("operator create"), {
          providerId: toGlobalId("Provider", providerId),
          name: o.name,
          slug: o.slug,
          contactEmail: o.email,
          dnsZone: o.dnsZone,
        });
        return { id: toGlobalId("Operator", id), slug: o.slug };
      }),
    );

  const user = program.command("user").description("people who sign in");
  user
    .command("create")
    .description("create a user; the password comes from --password-file or standard input")
    .requiredOption("--email <email>", "email, used to sign in")
    .requiredOption("--name <name>", "display name")
    .option("--password-file <file>", "read the password from this file (first line)")
    .option("--role <role>", "grant this role, e.g. platform-admin (the first administrator)")
    .option("--operator <slug>", `with --role: ${DOMAIN_HELP.operator}`)
    .option("--provider <slug>", `with --role: ${DOMAIN_HELP.provider}`)
    .option("--json", "print JSON")
    .action(
      (
        o: {
          email: string;
          name: string;
          passwordFile?: string;
          role?: string;
          operator?: string;
          provider?: string;
        } & Json,
      ) =>
        run(o, async (ds) => {
          const password = await readPassword(o.passwordFile);
          const config = loadConfig();
          const users = new UserService(ds, secretBoxFor(config, createLogger("warn")), config.authn);
          const domain = await domainOf(ds, o);
          const role = o.role === undefined ? undefined : roleNamed(o.role);
          if (o.role && !role) throw new UsageError(`--role: unknown role ${o.role}`);
          const problem = role && roleDomainProblem(role, domain.kind);
          if (problem) throw new UsageError(`--role: ${problem}`);
          const id = await users.create(
            commandLineCaller("user create"),
            { email: o.email, displayName: o.name, password },
            role && { role: role.name, domain },
          );
          return {
            id: toGlobalId("User", id),
            email: o.email.trim().toLowerCase(),
            role: o.role ?? null,
            domain: role ? domainName(domain) : null,
          };
        }),
    );

  const client = program.command("client").description("service accounts and frontend clients");
  client
    .command("create")
    .description("create a service account (client credentials); prints client_id and client_secret")
    .requiredOption("--name <name>", "display name")
    .requiredOption("--role <role>", "its role, e.g. operator-admin or config-reader")
    .option("--operator <slug>", "the operator it acts for")
    .option("--provider <slug>", "the provider it acts for (its role held there), or the operator's provider")
    .option("--json", "print JSON")
    .action((o: { name: string; role: string; operator?: string; provider?: string } & Json) =>
      run(o, async (ds) => {
        if (!o.operator && !o.provider) throw new UsageError("give --operator <slug> or --provider <slug>");
        const bound = o.operator
          ? { operatorId: toGlobalId("Operator", await operatorIdOf(ds, o.provider, o.operator)) }
          : { providerId: toGlobalId("Provider", await providerIdOf(ds, o.provider!)) };
        const created = await new ClientService(ds, catalogue).createServiceAccount(
          commandLineCaller("client create"),
          {
            name: o.name,
            role: o.role,
            ...bound,
          },
        );
        return {
          id: toGlobalId("Client", created.id),
          client_id: created.clientId,
          client_secret: created.clientSecret,
        };
      }),
    );
  client
    .command("create-public")
    .description("create a frontend client (authorization code + PKCE, no secret)")
    .requiredOption("--name <name>", "display name")
    .requiredOption("--redirect-uri <uri>", "an exact redirect URI; repeatable", collect, [])
    .option("--post-logout-redirect-uri <uri>", "where to go after signing out; repeatable", collect, [])
    .option("--json", "print JSON")
    .action((o: { name: string; redirectUri: string[]; postLogoutRedirectUri: string[] } & Json) =>
      run(o, async (ds) => {
        const clients = new ClientService(ds, catalogue);
        const caller = commandLineCaller("client create-public");
        const id = await clients.createPublicClient(caller, {
          name: o.name,
          redirectUris: o.redirectUri,
          postLogoutRedirectUris: o.postLogoutRedirectUri,
        });
        const created = await clients.byId(caller, id);
        return { id: toGlobalId("Client", id), client_id: created!.clientId };
      }),
    );

  const keys = program.command("keys").description("token signing keys");
  keys
    .command("rotate")
    .description("new keys sign from now on; the previous ones still verify until they expire")
    .option(
      "--keep-hours <hours>",
      "how long the previous keys stay valid",
      String(DEFAULT_RETIRED_KEY_LIFETIME_SECONDS / 3600),
    )
    .option("--json", "print JSON")
    .action((o: { keepHours: string } & Json) =>
      run(o, async (ds) => {
        const hours = Number(o.keepHours);
        if (!Number.isFinite(hours) || hours < 0 || hours > 24 * 90)
          throw new UsageError("--keep-hours must be 0 to 2160");
        const signing = signingKeys(ds);
        await signing.ensure();
        return signing.rotate(commandLineCaller("keys rotate"), Math.round(hours * 3600));
      }),
    );
  keys
    .command("list")
    .description("keys that sign or still verify")
    .option("--json", "print JSON")
    .action((o: Json) =>
      run(o, async (ds) =>
        (await signingKeys(ds).published()).map((k) => ({
          kid: k.kid,
          alg: k.alg,
          active: k.active,
          expiresAt: k.expiresAt,
        })),
      ),
    );
  keys
    .command("remove")
    .description("withdraw a key at once (a compromised one): tokens it signed are refused")
    .requiredOption("--kid <kid>", "the key id")
    .option("--json", "print JSON")
    .action((o: { kid: string } & Json) =>
      run(o, async (ds) => {
        if (!(await signingKeys(ds).remove(commandLineCaller("keys remove"), o.kid)))
          throw new UsageError(`no key ${o.kid}`);
        return { removed: o.kid };
      }),
    );
}

function signingKeys(ds: DataSource): SigningKeys {
  return new SigningKeys(ds, secretBoxFor(loadConfig(), createLogger("warn")));
}

const collect = (v: string, all: string[]) => [...all, v];

async function readPassword(file: string | undefined): Promise<string> {
  let text: string;
  if (file) {
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new UsageError(`--password-file: ${(e as Error).message}`);
    }
  } else {
    if (process.stdin.isTTY)
      throw new UsageError("give the password on standard input or with --password-file");
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    text = Buffer.concat(chunks).toString("utf8");
  }
  const password = text.split(/\r?\n/)[0] ?? "";
  if (!password) throw new UsageError("the password is empty");
  return password;
}
