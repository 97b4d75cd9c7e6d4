#!/usr/bin/env node
import "reflect-metadata";
import { Command } from "commander";
import { ConfigError } from "../common/config-error.js";

type Register = (program: Command) => void;

// Each group of commands is loaded only when it is the one asked for: a `fedicentral worker` then holds
// none of the server's modules, and every nixops4 it forks copies a smaller process.
const GROUPS: Record<string, () => Promise<Register>> = {
  serve: async () => (await import("./serve-command.js")).registerServeCommand,
  db: async () => (await import("./db-commands.js")).registerDbCommands,
  schema: async () => (await import("./schema-commands.js")).registerSchemaCommands,
  sql: async () => (await import("./sql-commands.js")).registerSqlCommands,
  provider: async () => (await import("./authn-commands.js")).registerAuthnCommands,
  operator: async () => (await import("./authn-commands.js")).registerAuthnCommands,
  user: async () => (await import("./authn-commands.js")).registerAuthnCommands,
  client: async () => (await import("./authn-commands.js")).registerAuthnCommands,
  keys: async () => (await import("./authn-commands.js")).registerAuthnCommands,
  role: async () => (await import("./authz-commands.js")).registerAuthzCommands,
  netbox: async () => (await import("./netbox-commands.js")).registerNetboxCommands,
  worker: async () => (await import("./worker-command.js")).registerWorkerCommand,
  accounting: async () => (await import("./accounting-commands.js")).registerAccountingCommands,
  "resource-provider": async () =>
    (await import("./resource-provider-command.js")).registerResourceProviderCommand,
};

async function main(): Promise<void> {
  const program = new Command("fedicentral").description("fedicentral administration");
  const asked = process.argv[2];
  // Help, or a command we do not know (for commander's message): every group, once each.
  const loaders = asked !== undefined && asked in GROUPS ? [GROUPS[asked]!] : Object.values(GROUPS);
  const registers = new Set(await Promise.all(loaders.map((load) => load())));
  for (const register of registers) register(program);
  await program.parseAsync(process.argv);
}

main().catch((e: unknown) => {
  console.error(`fedicentral: ${e instanceof Error ? e.message : String(e)}`);
  // A missing or wrong setting, whichever area's: exit 2, as the server does.
  process.exitCode = e instanceof ConfigError ? 2 : 1;
});
