import { hostname } from "node:os";
import cliProgress from "cli-progress";
import type { Command } from "commander";
import type { DataSource } from "typeorm";
import { dbOf } from "../db/db.js";
import { createLogger } from "../logger.js";
import { loadNetboxConfig } from "../netbox/netbox-config.js";
import type { SyncMode } from "../netbox/netbox-sync-run.entity.js";
import type { SyncProgress } from "../netbox/sync-engine.js";
import { type SyncOutcome, claimSyncRun, enqueueSync, executeSyncRun } from "../netbox/sync-runner.js";
import { commandLineCaller } from "./cli-caller.js";
import { withDatabase } from "./database.js";
import { sql } from "../db/named-sql.js";

export function registerNetboxCommands(program: Command): void {
  const netbox = program.command("netbox").description("the NetBox mirror");

  netbox
    .command("sync")
    .description("sync a provider's NetBox mirror now and wait for the result (a progress bar on a terminal)")
    .requiredOption("-p, --provider <slug>", "the provider")
    .option("-m, --mode <mode>", "full or incremental", "incremental")
    .action(async (opts: { provider: string; mode: string }) => {
      if (opts.mode !== "full" && opts.mode !== "incremental")
        throw new Error("--mode is full or incremental");
      const ok = await withDatabase((ds) => sync(ds, opts.provider, opts.mode as SyncMode));
      process.exitCode = ok ? 0 : 1;
    });
}

const PROVIDER = sql(
  "cli.netbox.provider",
  `SELECT p.id, c.provider_id IS NOT NULL AS connected
       FROM provider p LEFT JOIN netbox_connection c ON c.provider_id = p.id WHERE p.slug = $1`,
);
const ACTIVE_SYNC = sql(
  "cli.netbox.activeSync",
  `SELECT id, state, mode FROM netbox_sync_run WHERE provider_id = $1 AND state IN ('queued', 'running')`,
);
const SYNC_RUN = sql(
  "cli.netbox.syncRun",
  `SELECT state, mode, pages, created, updated, deleted, unchanged, skipped, reason, jsonb_array_length(issues) AS issues
       FROM netbox_sync_run WHERE id = $1`,
);

async function sync(ds: DataSource, slug: string, mode: SyncMode): Promise<boolean> {
  const config = loadNetboxConfig();
  const db = dbOf(ds);
  const [provider] = await db.query<{ id: string; connected: boolean }>(PROVIDER, [slug]);
  if (!provider) throw new Error(`no provider ${slug}`);
  if (!provider.connected) throw new Error(`provider ${slug} has no NetBox connection`);
  const show = display(process.stderr.isTTY === true);
  let runId = await enqueueSync(ds, commandLineCaller("netbox sync"), provider.id, mode, "cli");
  if (!runId) {
    const [active] = await db.query<{ id: string; state: string; mode: string }>(ACTIVE_SYNC, [provider.id]);
    if (!active) throw new Error("could not queue the sync");
    show.note(`a ${active.mode} sync is ${active.state} already (${active.id}); following it`);
    runId = active.id;
  }
  // Run it here if no server's worker took it first; otherwise follow that worker's progress.
  const claimed = await claimSyncRun(
    ds,
    { id: runId, providerId: provider.id },
    `cli:${hostname()}:${process.pid}`,
  );
  let outcome: SyncOutcome;
  if (claimed) {
    const stop = new AbortController();
    const interrupt = () => stop.abort();
    process.once("SIGINT", interrupt);
    try {
      outcome = await executeSyncRun(
        { ds, log: createLogger(process.env.LOG_LEVEL ?? "warn"), config },
        claimed,
        {
          signal: stop.signal,
          wantTotals: true,
          onProgress: show.progress,
        },
      );
    } finally {
      process.off("SIGINT", interrupt);
    }
  } else outcome = await follow(ds, runId, show.progress);
  show.done();
  const [run] = await db.query<Record<string, unknown>>(SYNC_RUN, [runId]);
  if (outcome.state === "succeeded") {
    console.log(
      `${run?.mode} sync succeeded: ${run?.created} created, ${run?.updated} updated, ${run?.deleted} deleted, ` +
        `${run?.unchanged} unchanged, ${run?.skipped} skipped, ${run?.pages} pages (run ${runId})`,
    );
    const issues = Number(run?.issues);
    if (issues > 0)
      console.log(
        `${issues} issue${issues === 1 ? "" : "s"} (warnings, objects left out): netboxSyncRun(id).issues`,
      );
    return true;
  }
  console.error(`sync failed: ${outcome.reason ?? "unknown reason"} (run ${runId})`);
  return false;
}

const SYNC_PROGRESS = sql(
  "cli.netbox.syncProgress",
  `SELECT state, reason, pages, progress FROM netbox_sync_run WHERE id = $1`,
);

/** Polls a run another process executes until it ends. */
async function follow(
  ds: DataSource,
  runId: string,
  onProgress: (p: SyncProgress) => void,
): Promise<SyncOutcome> {
  for (;;) {
    const [run] = await dbOf(ds).query<{
      state: string;
      reason: string | null;
      pages: number;
      progress: SyncProgress | null;
    }>(SYNC_PROGRESS, [runId]);
    if (!run) return { state: "failed", reason: "the run disappeared" };
    if (run.state === "succeeded" || run.state === "failed") return { state: run.state, reason: run.reason };
    if (run.progress) onProgress({ ...run.progress, pages: run.pages });
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A progress bar on a terminal; elsewhere (logs, CI) one line per phase or kind. */
function display(tty: boolean) {
  let current = "";
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          format: " {label} [{bar}] {value}/{total} | pages {pages} | {duration_formatted}",
          stream: process.stderr,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  return {
    note(message: string) {
      console.error(message);
    },
    progress(p: SyncProgress) {
      if (p.phase === "merge") {
        // One transaction with no steps to count.
        if (current !== "merge") {
          current = "merge";
          bar?.stop();
          console.error(` writing ${p.pages} pages into the mirror…`);
        }
        return;
      }
      const label = p.kind ?? p.phase;
      const total = p.total ?? Math.max(p.fetched, 1);
      if (label !== current) {
        current = label;
        if (bar) {
          bar.stop();
          bar.start(total, p.fetched, { label, pages: p.pages });
        } else
          console.error(`${p.phase}${p.kind ? ` ${p.kind}` : ""}${p.total !== null ? ` (${p.total})` : ""}`);
      }
      if (bar) {
        bar.setTotal(total);
        bar.update(p.fetched, { label, pages: p.pages });
      }
    },
    done() {
      bar?.stop();
    },
  };
}
