// Enqueueing a run inside the caller's transaction: applyDeployment uses it, and so does every
// configuration mutation called with apply: true, so that the change and its run commit together.

import { createHash } from "node:crypto";
import type { EntityManager } from "typeorm";
import { initiatorOf, recordEvent } from "../accounting/record-event.js";
import { DomainError, notFound } from "../common/errors.js";
import { toGlobalId } from "../common/global-id.js";
import { type Db, dbOf } from "../db/db.js";
import type { ServiceConfigSection } from "../deployments/config-section.js";
import { buildStagedConfig } from "../deployments/deployment-config.js";
import type { Caller } from "../common/caller.js";
import { sql } from "../db/named-sql.js";

/** JSON with object keys sorted, so that equal configurations hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function configHash(config: unknown): string {
  return createHash("sha256").update(canonicalJson(config)).digest("hex");
}

export const idempotencyConflict = () =>
  new DomainError(
    "IDEMPOTENCY_CONFLICT",
    "this idempotency key was used on this deployment for another configuration",
    { field: "idempotencyKey" },
  );

/** One statement at a time: a transaction's connection takes no concurrent queries. */
export function serialized(db: Db): Db {
  let chain: Promise<unknown> = Promise.resolve();
  return {
    query: <T>(sql: string, params?: unknown[]) => {
      const next = chain.then(() => db.query<T>(sql, params));
      chain = next.catch(() => undefined);
      return next;
    },
  };
}

export type EnqueueTarget = { deploymentId: string; operatorId: string };

/**
 * What a restore run restores, written into its deployment.json as `restore` (the deployment's Nix code
 * reads it; nixops4 contract §2). Ids are global ids, as elsewhere in deployment.json.
 */
export type RestoreTarget = {
  restoreId: string;
  service: string;
  volume: { id: string; kind: string; name: string; host: string | null };
  snapshot: { guid: string; name: string; takenAt: string };
};

const RUN_BY_IDEMPOTENCY_KEY = sql(
  "runs.enqueue.byIdempotencyKey",
  `SELECT id, config_hash AS "configHash" FROM run WHERE deployment_id = $1 AND idempotency_key = $2`,
);
const INSERT_RUN = sql(
  "runs.enqueue.insert",
  `INSERT INTO run (deployment_id, action, state, config, config_hash, generation, initiator, request_id, idempotency_key)
     VALUES ($1, $8, 'queued', $2, $3, $4, $5, $6, $7) RETURNING id`,
);

/**
 * Freezes the deployment's staged configuration, as this transaction sees it, into a queued run and
 * records the pending apply. The caller has checked that it may apply this deployment and holds a lock
 * on the deployment row (FOR SHARE at least), so no other change slips in between.
 *
 * With an idempotency key (scoped to the deployment, so no other tenant can block or detect it), the same
 * key with the same configuration returns the run it made before; with another it fails with
 * IDEMPOTENCY_CONFLICT.
 *
 * With a restore target the run is a restore: the same staged configuration plus `restore`. Runs of a
 * deployment execute in queue order, so a restore never rolls back an apply queued before it.
 */
export async function enqueueRun(
  tx: EntityManager,
  caller: Caller,
  target: EnqueueTarget,
  idempotencyKey: string | null,
  sections: readonly ServiceConfigSection[],
  restore?: RestoreTarget,
): Promise<string> {
  const db = serialized(dbOf(tx));
  const { deploymentId } = target;
  const staged = await buildStagedConfig(db, deploymentId, sections);
  if (!staged) throw notFound("Deployment", toGlobalId("Deployment", deploymentId));
  const config = restore ? { ...staged, restore } : staged;
  const action = restore ? "restore" : "apply";
  const hash = configHash(config);
  if (idempotencyKey !== null) {
    const [existing] = await db.query<{ id: string; configHash: string }>(RUN_BY_IDEMPOTENCY_KEY, [
      deploymentId,
      idempotencyKey,
    ]);
    if (existing) {
      if (existing.configHash === hash) return existing.id;
      throw idempotencyConflict();
    }
  }
  const [row] = await db.query<{ id: string }>(INSERT_RUN, [
    deploymentId,
    JSON.stringify(config),
    hash,
    config.deployment.generation,
    JSON.stringify(initiatorOf(caller)),
    caller.requestId,
    idempotencyKey,
    action,
  ]);
  const runId = (row as { id: string }).id;
  await recordEvent(tx, caller, {
    action,
    outcome: "pending",
    targetKind: "run",
    targetId: runId,
    operatorId: target.operatorId,
  });
  return runId;
}

/** Configuration mutations take apply: true to enqueue a run of the result in the same transaction. */
export type ApplyOption = { apply?: boolean };
