#!/usr/bin/env node
import "reflect-metadata";
import { Command } from "commander";
import { registerDbCommands } from "./db-commands.js";
import { registerSchemaCommands } from "./schema-commands.js";

const program = new Command("fedicentral").description("fedicentral administration");
registerDbCommands(program);
registerSchemaCommands(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(`fedicentral: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
