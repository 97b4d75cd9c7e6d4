#!/usr/bin/env node
import "reflect-metadata";
import { Command } from "commander";
import { registerAccountingCommands } from "./accounting-commands.js";
import { registerAuthnCommands } from "./authn-commands.js";
import { registerAuthzCommands } from "./authz-commands.js";
import { registerDbCommands } from "./db-commands.js";
import { registerNetboxCommands } from "./netbox-commands.js";
import { registerSchemaCommands } from "./schema-commands.js";
import { registerWorkerCommand } from "./worker-command.js";

const program = new Command("fedicentral").description("fedicentral administration");
registerDbCommands(program);
registerSchemaCommands(program);
registerAuthnCommands(program);
registerAuthzCommands(program);
registerNetboxCommands(program);
registerWorkerCommand(program);
registerAccountingCommands(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(`fedicentral: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
