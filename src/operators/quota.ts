import type { EntityManager } from "typeorm";
import { DomainError } from "../common/errors.js";
import { sql } from "../db/named-sql.js";

type Usage = { storageGib: number; vcpus: number; memoryGib: number };

/** Per booked resource, the input field of the change that asked for it, named when it goes over. */
export type QuotaAsks = Partial<Record<keyof Usage, string>>;

const USE = sql(
  "operators.quota.use",
  `SELECT o.quota_storage_gib AS "quotaStorage", o.quota_vcpus AS "quotaVcpus", o.quota_memory_gib AS "quotaMemory",
            coalesce(sum(s.block_storage_gib + s.blob_storage_gib), 0)::int AS storage,
            coalesce(sum(s.vcpus), 0)::int AS vcpus, coalesce(sum(s.memory_gib), 0)::int AS memory
       FROM operator o
       LEFT JOIN deployment d ON d.operator_id = o.id
       LEFT JOIN service s ON s.deployment_id = d.id AND s.enabled
      WHERE o.id = $1 GROUP BY o.id`,
);

/**
 * Fails with QUOTA_EXCEEDED when the operator's enabled services need more than it booked: `field` is the
 * input that asked for the first resource over (`asks`), else the quota's (`quota.storageGib`), and `quota`
 * names the resource. Callers hold the operator row lock, so concurrent changes cannot both slip under the limit.
 */
export async function assertWithinQuota(
  tx: EntityManager,
  operatorId: string,
  asks: QuotaAsks = {},
): Promise<void> {
  const [row] = await tx.query(USE, [operatorId]);
  if (!row) return;
  const used: Usage = { storageGib: row.storage, vcpus: row.vcpus, memoryGib: row.memory };
  const booked: Usage = { storageGib: row.quotaStorage, vcpus: row.quotaVcpus, memoryGib: row.quotaMemory };
  const over = (Object.keys(used) as (keyof Usage)[]).filter((k) => used[k] > booked[k]);
  if (over.length > 0) {
    throw new DomainError(
      "QUOTA_EXCEEDED",
      `the change needs more than the booked quota: ${over.map((k) => `${k} ${used[k]} > ${booked[k]}`).join(", ")}`,
      { field: asks[over[0]!] ?? `quota.${over[0]}`, quota: over[0], used, booked },
    );
  }
}

const LOCK = sql("operators.quota.lock", `SELECT id FROM operator WHERE id = $1 FOR UPDATE`);

/** Takes the operator's row lock for the rest of the transaction. */
export async function lockOperator(tx: EntityManager, operatorId: string): Promise<boolean> {
  const rows = await tx.query(LOCK, [operatorId]);
  return rows.length > 0;
}
