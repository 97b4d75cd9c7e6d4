import "reflect-metadata";
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { toGlobalId } from "../src/common/global-id.js";
import { systemCaller } from "../src/common/caller.js";
import { createLogger } from "../src/logger.js";
import { loadNetboxConfig } from "../src/netbox/netbox-config.js";
import { NetboxService } from "../src/netbox/netbox.service.js";
import { claimSyncRun, enqueueSync, executeSyncRun } from "../src/netbox/sync-runner.js";
import { createBenchDatabase } from "./support/database.js";
import { progress } from "./support/progress.js";
import { netboxSecretBox } from "../src/netbox/secret-box.js";

/**
 * A full NetBox sync of 200 sites, 10,000 devices, 100,000 interfaces, 50,000 IP addresses and 2,000 VMs
 * from the fake NetBox (in a child process, so the RSS measured here is the sync's), then an incremental
 * sync after 100 changes, and a full sync again (the daily reconciliation, with nothing left to change).
 */

const TARGETS = { fullSyncSeconds: 60, peakRssMb: 400, incrementalSyncSeconds: 1 };
const CHANGES = 100;

type Ready = { type: "ready"; url: string; token: string; sizes: Record<string, number> };

export async function run(): Promise<Record<string, unknown>> {
  const childPath = path.join(
    path.dirname(fileURLToPath(import.meta.url)),
    "support",
    "netbox-fake-child.js",
  );
  const child = fork(childPath, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once("message", (m) => resolve(m as Ready));
    child.once("exit", (code) => reject(new Error(`the fake NetBox exited (${code})`)));
  });
  progress(`fake NetBox 4.6 at ${ready.url}: ${JSON.stringify(ready.sizes)}`);
  const db = await createBenchDatabase({ poolSize: 4 });
  try {
    const config = { ...loadNetboxConfig({}), secretBox: netboxSecretBox(randomBytes(32)) };
    const [provider] = await db.ds.query(
      `INSERT INTO provider (slug, name, contact_email) VALUES ('bench', 'Bench', 'ops@bench.example') RETURNING id`,
    );
    const providerId = (provider as { id: string }).id;
    await new NetboxService(db.ds, config).setConnection(systemCaller(), toGlobalId("Provider", providerId), {
      url: ready.url,
      token: ready.token,
      schedule: { enabled: false },
    });
    const sync = async (mode: "full" | "incremental") => {
      const id = (await enqueueSync(db.ds, systemCaller(), providerId, mode, "manual"))!;
      const claimed = (await claimSyncRun(db.ds, { id, providerId }, "bench"))!;
      const started = process.hrtime.bigint();
      let last = "";
      const outcome = await executeSyncRun({ ds: db.ds, log: createLogger("warn"), config }, claimed, {
        onProgress: (p) => {
          const step = `${p.phase} ${p.kind ?? ""}`.trim();
          if (step !== last) progress(`  ${(last = step)}`);
        },
      });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const [row] = await db.ds.query(
        `SELECT pages, created, updated, deleted, unchanged, skipped FROM netbox_sync_run WHERE id = $1`,
        [id],
      );
      if (outcome.state !== "succeeded") throw new Error(`${mode} sync failed: ${outcome.reason}`);
      return {
        seconds,
        ...(row as { pages: number; created: number; updated: number; deleted: number; unchanged: number }),
      };
    };

    progress("full sync");
    const full = await sync("full");
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    progress(
      `full sync: ${full.seconds.toFixed(1)} s, ${JSON.stringify(full)}, peak RSS ${peakRssMb.toFixed(0)} MB`,
    );

    await new Promise<void>((resolve) => {
      child.once("message", () => resolve());
      child.send({ type: "changes", count: CHANGES });
    });
    progress(`${CHANGES} changes made in NetBox; incremental sync`);
    const incremental = await sync("incremental");
    progress(`incremental sync: ${incremental.seconds.toFixed(2)} s, ${JSON.stringify(incremental)}`);

    // The daily reconciliation of a NetBox that barely changed: the same listing, hardly any writes.
    progress("full sync again (reconciliation)");
    const again = await sync("full");
    progress(`reconciliation: ${again.seconds.toFixed(1)} s, ${JSON.stringify(again)}`);

    const objects = full.created;
    const figures = {
      objects,
      fullSyncSeconds: round(full.seconds, 2),
      objectsPerSecond: Math.round(objects / full.seconds),
      fullPages: full.pages,
      peakRssMb: Math.round(peakRssMb),
      incrementalSyncSeconds: round(incremental.seconds, 3),
      reconcileSeconds: round(again.seconds, 2),
      reconcileUnchanged: again.unchanged,
      incremental: {
        created: incremental.created,
        updated: incremental.updated,
        deleted: incremental.deleted,
        unchanged: incremental.unchanged,
      },
      targets: TARGETS,
      targetsMet:
        full.seconds < TARGETS.fullSyncSeconds &&
        peakRssMb < TARGETS.peakRssMb &&
        incremental.seconds < TARGETS.incrementalSyncSeconds,
      database: `${db.source} PostgreSQL ${db.serverVersion}`,
    };
    return figures;
  } finally {
    child.disconnect();
    await db.drop();
  }
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));
