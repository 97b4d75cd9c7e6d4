// Copies each new checkpoint outside the database, where whoever controls the database cannot delete it:
// an append-only file and/or a POST to another service (a transparency log, another provider's
// fedicentral). The verifiers then hold the database to these copies.

import { open } from "node:fs/promises";
import { Counter } from "prom-client";
import type { Logger } from "../logger.js";
import { processMetrics } from "../metrics/registry.js";
import type { Checkpoint } from "./chain.js";
import type { WitnessConfig } from "./witness-config.js";

export type Witness = {
  /** Writes the file (durably) and starts the POST; never throws: signing has committed already. */
  record(made: readonly Checkpoint[]): Promise<void>;
  /** Waits for the POSTs still being tried (a command about to exit, a process stopping). */
  settled(): Promise<void>;
};

export type DeliveryOptions = { attempts: number; timeoutMs: number; backoffMs: number };

const DELIVERY: DeliveryOptions = { attempts: 5, timeoutMs: 5000, backoffMs: 1000 };

const failures = new Counter({
  name: "fedicentral_accounting_witness_failures_total",
  help: "Failed attempts to copy checkpoints to a witness, by sink (file, url)",
  labelNames: ["sink"],
  registers: [processMetrics],
});

/** A checkpoint as a witness line and an export line hold it, members in the same order. */
export const checkpointLine = (c: Checkpoint): string =>
  JSON.stringify({
    type: "checkpoint",
    chain: c.chain,
    seq: c.seq,
    headHash: c.headHash,
    signedAt: c.signedAt,
    keyId: c.keyId,
    number: c.number,
    prevCheckpointHash: c.prevCheckpointHash,
    version: c.version,
    signature: c.signature,
  }) + "\n";

export function createWitness(
  config: WitnessConfig,
  log: Logger,
  delivery: DeliveryOptions = DELIVERY,
): Witness {
  const pending = new Set<Promise<void>>();
  return {
    async record(made) {
      if (made.length === 0) return;
      const text = made.map(checkpointLine).join("");
      if (config.file) {
        try {
          await appendDurably(config.file, text);
        } catch (e) {
          failures.inc({ sink: "file" });
          log.error({ err: e, file: config.file }, "writing checkpoints to the witness file failed");
        }
      }
      if (config.url) {
        // In the background: a slow or absent witness must not hold up signing and sealing.
        const p = post(config, text, log, delivery).finally(() => pending.delete(p));
        pending.add(p);
      }
    },
    async settled() {
      await Promise.all([...pending]);
    },
  };
}

async function appendDurably(file: string, text: string): Promise<void> {
  const f = await open(file, "a", 0o640);
  try {
    await f.write(text);
    await f.sync();
  } finally {
    await f.close();
  }
}

async function post(config: WitnessConfig, body: string, log: Logger, d: DeliveryOptions): Promise<void> {
  for (let attempt = 1; attempt <= d.attempts; attempt++) {
    try {
      const res = await fetch(config.url!, {
        method: "POST",
        headers: {
          "content-type": "application/jsonl",
          ...(config.token ? { authorization: `Bearer ${config.token}` } : {}),
        },
        body,
        signal: AbortSignal.timeout(d.timeoutMs),
      });
      await res.body?.cancel();
      if (res.ok) return;
      throw new Error(`HTTP ${res.status}`);
    } catch (e) {
      failures.inc({ sink: "url" });
      const last = attempt === d.attempts;
      log[last ? "error" : "warn"](
        { err: e, attempt },
        last ? "the witness URL did not take the checkpoints; giving up" : "the witness URL failed; retrying",
      );
      if (last) return;
      await new Promise((r) => setTimeout(r, d.backoffMs * 2 ** (attempt - 1)));
    }
  }
}
