import type { Command } from "commander";

/** `fedicentral serve`: the server process, as `node dist/src/main.js` runs it (what the Nix package starts). */
export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description(
      "run the server: API, run worker, accounting sealer, NetBox worker (every variable of the README applies)",
    )
    .action(async () => {
      const { serve } = await import("../serve.js");
      await serve();
    });
}
