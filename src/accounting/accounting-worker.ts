import type { DataSource } from "typeorm";
import type { Logger } from "../logger.js";
import { type AccountingConfig, loadAccountingConfig } from "./accounting-config.js";
import { signChainHeads } from "./checkpoints.js";
import { emitClosedTallies } from "./failure-tally-flush.js";
import { sealPending } from "./sealer.js";
import { createWitness } from "./witness.js";
import { NO_WITNESS } from "./witness-config.js";

export type AccountingWorker = { stop(): Promise<void> };

// The hourly round is tried at least this often, so a replica started just after one does not wait long.
const CHECKPOINT_CHECK_MS = 60_000;

/**
 * Runs in every server process: emits the failure tallies whose window closed and seals committed events
 * every sealIntervalMs, and signs the chain heads every checkpointIntervalMs. Replicas coordinate through PostgreSQL locks, so any number may run.
 */
export function startAccountingWorker(
  ds: DataSource,
  log: Logger,
  // The failure tallies carry their own window ends: emitting them needs none of their settings.
  config: Omit<AccountingConfig, "failureTally" | "witness"> &
    Partial<Pick<AccountingConfig, "witness">> = loadAccountingConfig(),
): AccountingWorker {
  const secret = config.signingKeySecret;
  const witness = createWitness(config.witness ?? NO_WITNESS, log);
  if (!secret) {
    log.warn("ACCOUNTING_SIGNING_KEY_SECRET is not set: accounting chain heads are not signed");
  }
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let lastCheckpointTry = 0;

  async function tick(): Promise<void> {
    try {
      await emitClosedTallies(ds);
    } catch (e) {
      log.error({ err: e }, "emitting closed failure tallies failed");
    }
    try {
      await sealPending(ds);
    } catch (e) {
      log.error({ err: e }, "sealing accounting events failed");
    }
    const every = Math.min(CHECKPOINT_CHECK_MS, config.checkpointIntervalMs);
    if (secret && Date.now() - lastCheckpointTry >= every) {
      lastCheckpointTry = Date.now();
      try {
        const made = await signChainHeads(ds, secret, { dueAfterMs: config.checkpointIntervalMs, witness });
        if (made.length) log.info({ chains: made.length }, "accounting chain heads signed");
      } catch (e) {
        log.error({ err: e }, "signing accounting chain heads failed");
      }
    }
  }

  const schedule = () => {
    if (stopping) return;
    timer = setTimeout(() => {
      running = tick().finally(schedule);
    }, config.sealIntervalMs);
  };
  schedule();

  return {
    async stop() {
      stopping = true;
      clearTimeout(timer);
      await running;
      // Seal what the last requests wrote, so their events do not wait for the next process.
      await sealPending(ds).catch((e: unknown) => log.warn({ err: e }, "final sealing failed"));
      await witness.settled();
    },
  };
}
