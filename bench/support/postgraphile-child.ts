// The peer of the graphql-read bench: PostGraphile 5 (Amber preset, no authorization) over the bench
// database, in its own process so its CPU is neither on fedicentral's event loop nor in its CPU time.
// argv: the database URL, the pool size. Child → parent (IPC): { url } once the schema is built.
import http from "node:http";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";

async function main(): Promise<void> {
  const [connectionString, poolSize] = process.argv.slice(2);
  const pgl = postgraphile({
    extends: [PostGraphileAmberPreset],
    pgServices: [
      makePgService({ connectionString, schemas: ["public"], poolConfig: { max: Number(poolSize) } }),
    ],
    grafserv: { graphiql: false, watch: false },
    grafast: { explain: false },
  });
  await pgl.getSchema(); // introspected before the first request, not during the warm-up
  const server = http.createServer();
  server.keepAliveTimeout = 65_000;
  const serv = pgl.createServ(grafserv);
  await serv.addTo(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  process.on("disconnect", () => {
    server.closeAllConnections();
    server.close();
    void Promise.resolve(pgl.release()).finally(() => process.exit(0));
  });
  process.send!({ url: `http://127.0.0.1:${port}` });
}

main().catch((e: unknown) => {
  process.send!({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exit(1);
});
