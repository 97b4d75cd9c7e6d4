import { createInterface } from "node:readline";
import type { Command } from "commander";
import { scrubSecrets } from "../resource-provider/credentials.js";
import { serve } from "../resource-provider/protocol.js";
import { fedicentralResourceTypes } from "../resource-provider/resource-types.js";

/**
 * `fedicentral resource-provider`: the executable a NixOps4 provider declaration names (nixops4 contract
 * §7). Requests on stdin, responses on stdout, one JSON line each; exit status 1 when any request failed.
 */
export function registerResourceProviderCommand(program: Command): void {
  program
    .command("resource-provider")
    .description(
      "serve NixOps4's resource provider protocol on stdin/stdout: fedicentral_deployment_config reads a " +
        "deployment's configuration, fedicentral_resource_state reports observed state (README: nixops4 contract §7)",
    )
    .action(async () => {
      // stdout is the protocol's alone: anything a library prints goes to stderr, which nixops4 shows.
      const toStdout = process.stdout.write.bind(process.stdout);
      console.log = console.info = console.debug = console.error;
      const write = (line: string) =>
        new Promise<void>((resolve, reject) => toStdout(`${line}\n`, (e) => (e ? reject(e) : resolve())));
      const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
      const { failed } = await serve(lines, write, fedicentralResourceTypes, scrubSecrets);
      if (failed > 0) process.exitCode = 1;
    });
}
