import { createHash } from "node:crypto";
import type { DataSource } from "typeorm";
import { initiatorOf, recordEvent } from "../accounting/record-event.js";
import { DomainError, badInput, conflict, notFound } from "../common/errors.js";
import { expectGlobalId } from "../common/global-id.js";
import { type Db, dbOf } from "../db/db.js";
import { keysetSql } from "../db/keyset.js";
import { inTransaction } from "../db/transaction.js";
import { buildStagedConfig } from "../deployments/deployment-config.js";
import { type Connection, type PageArgs, pageRequest, toConnection } from "../graphql/connection.js";
import type { Caller } from "../graphql/context.js";
import type { Nixops4Progress } from "./nixops4-process.js";
import { readRunLog, readRunProgress } from "./run-log.js";
import { type RunState, isTerminal, transitionRun } from "./run-state.js";
import { RUN_COLUMNS } from "./run.loaders.js";
import { type Run, type RunLogPage, toRun } from "./run.types.js";

export const MAX_LOG_PAGE = 1024 * 1024;

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

const idempotencyConflict = () =>
  new DomainError(
    "IDEMPOTENCY_CONFLICT",
    "this idempotency key was used for a different request (another deployment or configuration)",
    { field: "idempotencyKey" },
  );

function isUniqueViolation(e: unknown, constraint: string): boolean {
  const err = e as {
    code?: string;
    constraint?: string;
    driverError?: { code?: string; constraint?: string };
  };
  return (
    (err.driverError?.code ?? err.code) === "23505" &&
    (err.driverError?.constraint ?? err.constraint) === constraint
  );
}

/** One statement at a time: a transaction's connection takes no concurrent queries. */
function serialized(db: Db): Db {
  let chain: Promise<unknown> = Promise.resolve();
  return {
    query: <T>(sql: string, params?: unknown[]) => {
      const next = chain.then(() => db.query<T>(sql, params));
      chain = next.catch(() => undefined);
      return next;
    },
  };
}

/** Runs of deployments: enqueueing, canceling and reading. The worker (run-worker.ts) executes them. */
export class RunService {
  constructor(private readonly ds: DataSource) {}

  async apply(caller: Caller, deploymentGlobalId: string, idempotencyKey: string): Promise<string> {
    const deploymentId = expectGlobalId(deploymentGlobalId, "Deployment", "deploymentId");
    const key = idempotencyKey.trim();
    if (key.length === 0 || key.length > 200)
      throw badInput("idempotencyKey", "idempotencyKey must have 1 to 200 characters");
    try {
      return await this.enqueue(caller, deploymentId, deploymentGlobalId, key);
    } catch (e) {
      // A concurrent request with the same key won; answer as if it had come first.
      if (isUniqueViolation(e, "run_idempotency_key_key"))
        return this.enqueue(caller, deploymentId, deploymentGlobalId, key);
      throw e;
    }
  }

  private enqueue(caller: Caller, deploymentId: string, globalId: string, key: string): Promise<string> {
    return inTransaction(this.ds, async (tx) => {
      const db = serialized(dbOf(tx));
      // Holds off changes to the deployment (they bump its generation) while its configuration is read.
      const [d] = await db.query<{ operatorId: string }>(
        `SELECT operator_id AS "operatorId" FROM deployment WHERE id = $1 FOR SHARE`,
        [deploymentId],
      );
      if (!d) throw notFound("Deployment", globalId);
      const config = await buildStagedConfig(db, deploymentId);
      if (!config) throw notFound("Deployment", globalId);
      const hash = configHash(config);
      const [existing] = await db.query<{ id: string; deploymentId: string; configHash: string }>(
        `SELECT id, deployment_id AS "deploymentId", config_hash AS "configHash" FROM run WHERE idempotency_key = $1`,
        [key],
      );
      if (existing) {
        if (existing.deploymentId === deploymentId && existing.configHash === hash) return existing.id;
        throw idempotencyConflict();
      }
      const [row] = await db.query<{ id: string }>(
        `INSERT INTO run (deployment_id, action, state, config, config_hash, generation, initiator, request_id, idempotency_key)
         VALUES ($1, 'apply', 'queued', $2, $3, $4, $5, $6, $7) RETURNING id`,
        [
          deploymentId,
          JSON.stringify(config),
          hash,
          config.deployment.generation,
          JSON.stringify(initiatorOf(caller)),
          caller.requestId,
          key,
        ],
      );
      const runId = (row as { id: string }).id;
      await recordEvent(tx, caller, {
        action: "apply",
        outcome: "pending",
        targetKind: "run",
        targetId: runId,
        operatorId: d.operatorId,
      });
      return runId;
    });
  }

  cancel(caller: Caller, globalId: string): Promise<string> {
    const id = expectGlobalId(globalId, "Run", "id");
    return inTransaction(this.ds, async (tx) => {
      const db = dbOf(tx);
      const [run] = await db.query<{ state: RunState; operatorId: string }>(
        `SELECT r.state, d.operator_id AS "operatorId" FROM run r JOIN deployment d ON d.id = r.deployment_id
          WHERE r.id = $1 FOR UPDATE OF r`,
        [id],
      );
      if (!run) throw notFound("Run", globalId);
      if (isTerminal(run.state)) throw conflict("id", `the run has ended already (${run.state})`);
      if (run.state === "canceling") return id;
      const event = { targetKind: "run", targetId: id, operatorId: run.operatorId };
      if (run.state === "queued") {
        const reason = "canceled before it started";
        await transitionRun(db, id, ["queued"], "canceled", { reason });
        await recordEvent(tx, caller, { ...event, action: "cancel" });
        await recordEvent(tx, caller, { ...event, action: "apply", outcome: "failure", reason });
      } else {
        await transitionRun(db, id, ["running"], "canceling", { reason: "canceled on request" });
        await recordEvent(tx, caller, { ...event, action: "cancel", outcome: "pending" });
      }
      return id;
    });
  }

  async list(
    _caller: Caller,
    filter: { deploymentId?: string | null; state?: RunState | null },
    args: PageArgs,
  ): Promise<Connection<Run>> {
    const page = pageRequest(args);
    const params: unknown[] = [];
    const where: string[] = [];
    if (filter.deploymentId) {
      params.push(expectGlobalId(filter.deploymentId, "Deployment", "filter.deploymentId"));
      where.push(`t.deployment_id = $${params.length}`);
    }
    if (filter.state) {
      params.push(filter.state);
      where.push(`t.state = $${params.length}`);
    }
    const countWhere = [...where];
    const countParams = [...params];
    const ks = keysetSql(page, ["t.seq"], "DESC", params);
    if (ks.where) where.push(ks.where);
    const db = dbOf(this.ds);
    const rows = await db.query(
      `SELECT ${RUN_COLUMNS} FROM run t ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY ${ks.orderBy} LIMIT ${ks.limit}`,
      params,
    );
    return toConnection(
      rows.map(toRun),
      page,
      (r) => [r.seq],
      async () => {
        const [r] = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM run t ${countWhere.length ? `WHERE ${countWhere.join(" AND ")}` : ""}`,
          countParams,
        );
        return r?.n ?? 0;
      },
    );
  }

  async log(_caller: Caller, run: Run, fromOffset: number, limit: number): Promise<RunLogPage> {
    if (!Number.isInteger(fromOffset) || fromOffset < 0)
      throw badInput("fromOffset", "fromOffset must be a non-negative integer");
    if (!Number.isInteger(limit) || limit < 0 || limit > MAX_LOG_PAGE)
      throw badInput("limit", `limit must be between 0 and ${MAX_LOG_PAGE}`);
    const slice = await readRunLog(dbOf(this.ds), run.uuid, fromOffset, limit);
    return {
      text: slice.bytes.toString("utf8"),
      base64: slice.bytes.toString("base64"),
      fromOffset: slice.fromOffset,
      nextOffset: slice.nextOffset,
      size: slice.size,
    };
  }

  progress(_caller: Caller, run: Run): Promise<Nixops4Progress> {
    return readRunProgress(dbOf(this.ds), run.uuid, isTerminal(run.state as RunState));
  }
}
