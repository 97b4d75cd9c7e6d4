import { tuneGarbageCollection } from "../src/gc-tuning.js";
import { progress } from "./support/progress.js";

/** A bench returns its figures; the dispatcher prints them as the last line of output, as JSON. */
export type Bench = { run: () => Promise<Record<string, unknown>> };

// Add a bench as bench/<name>.ts exporting run(), and list it here.
const benches: Record<string, () => Promise<Bench>> = {
  "graphql-read": () => import("./graphql-read.js"),
  "graphql-read-cpu": () => import("./graphql-read-cpu.js"),
  tokens: () => import("./tokens.js"),
  runs: () => import("./runs.js"),
  netbox: () => import("./netbox.js"),
  authz: () => import("./authz.js"),
  accounting: () => import("./accounting.js"),
  hostile: () => import("./hostile.js"),
  startup: () => import("./startup.js"),
  backups: () => import("./backups.js"),
};

async function main(): Promise<number> {
  const name = process.argv[2];
  if (!name || !Object.hasOwn(benches, name)) {
    console.error(`${name ? `unknown bench "${name}"` : "no bench named"}; usage: npm run bench -- <name>`);
    console.error(`benches: ${Object.keys(benches).join(", ")}`);
    return 2;
  }
  progress(`bench ${name}: node ${process.version}`);
  // Servers started in this process (and the read bench's baseline beside them) run as serve() runs them.
  tuneGarbageCollection();
  const bench = await benches[name]!();
  const figures = await bench.run();
  console.log(JSON.stringify({ bench: name, ...figures }));
  return 0;
}

function exit(code: number): void {
  // Leave no open handle (a pool, a worker) able to add output after the JSON line or keep us alive.
  process.stdout.write("", () => process.exit(code));
}

main().then(exit, (e: unknown) => {
  console.error(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  exit(1);
});
