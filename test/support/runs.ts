import path from "node:path";
import { afterAll, afterEach, beforeAll, expect } from "@jest/globals";
import { createLogger } from "../../src/logger.js";
import { type RunWorker, type RunWorkerOptions, startRunWorker } from "../../src/runs/run-worker.js";
import { createTestDatabase, type TestDatabase } from "./db.js";
import { factories } from "./factories.js";
import { type TestServer, gql, startTestServer } from "./server.js";
import { useTempDir } from "./temp-dir.js";

/** The project's fake nixops4 (see test/fakes/nixops4). */
export const FAKE_NIXOPS4 = path.resolve("test/fakes/nixops4/nixops4");

export type RunHarness = {
  db: TestDatabase;
  server: TestServer;
  f: ReturnType<typeof factories>;
  operator: { id: string; gid: string };
  /** A run worker over the fake nixops4 with the file's defaults; stopped after each test. */
  worker(env?: Record<string, string>, over?: RunWorkerOptions): RunWorker;
  /** Queues a run of a new deployment of the operator through applyDeployment; its global id. */
  apply(): Promise<string>;
};

/**
 * The set-up of a test file whose runs go through workers: a database, a server, one operator and a
 * deployments folder for the file, and the workers started in a test stopped after it.
 */
export function useRunHarness(name: string, defaults: RunWorkerOptions): RunHarness {
  const tmp = useTempDir(`fedi-${name}-`);
  const workers: RunWorker[] = [];
  let keys = 0;
  const h = {
    worker(env: Record<string, string> = {}, over: RunWorkerOptions = {}) {
      const w = startRunWorker(h.db.ds, createLogger("silent"), {
        nixops4Bin: FAKE_NIXOPS4,
        deploymentsDir: tmp.path,
        ...defaults,
        env,
        ...over,
      });
      workers.push(w);
      return w;
    },
    async apply() {
      const d = await h.f.deployment(h.operator.id);
      const res = await gql(
        h.server,
        `mutation($d: ID!, $k: String!) { applyDeployment(deploymentId: $d, idempotencyKey: $k) { id } }`,
        { d: d.gid, k: `${name}-${++keys}-${Date.now()}` },
      );
      expect(res.errors).toBeUndefined();
      return res.data!.applyDeployment.id as string;
    },
  } as RunHarness;
  beforeAll(async () => {
    h.db = await createTestDatabase();
    h.f = factories(h.db.ds);
    h.operator = await h.f.operator((await h.f.provider()).id);
    h.server = await startTestServer(h.db.ds);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
  });
  afterAll(async () => {
    await h.server?.stop();
    await h.db?.drop();
  });
  return h;
}
