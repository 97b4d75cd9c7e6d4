import type { DataSource } from "typeorm";
import { recordEvent } from "../accounting/record-event.js";
import { accessOf, authorize } from "../authz/denied.js";
import { Permission } from "../authz/permissions.js";
import { scopeCondition } from "../authz/scope-sql.js";
import { badInput, conflict, notFound } from "../common/errors.js";
import { expectGlobalId } from "../common/global-id.js";
import { dbOf } from "../db/db.js";
import { keysetSql } from "../db/keyset.js";
import { inTransaction, isUniqueViolation } from "../db/transaction.js";
import { type Connection, type PageArgs, pageRequest, toConnection } from "../api/connection.js";
import type { Caller } from "../common/caller.js";
import type { Nixops4Progress } from "./nixops4-process.js";
import { enqueueRun, serialized } from "./run-enqueue.js";
import type { ServiceConfigSection } from "../deployments/config-section.js";
import { readRunLog, readRunProgress } from "./run-log.js";
import { type RunAction, type RunState, isTerminal, transitionRun } from "./run-state.js";
import { RUN_COLUMNS } from "./run.loaders.js";
import { type Run, type RunLogPage, toRun } from "./run.types.js";
import { integerKey } from "../db/sort-key.js";
import { printableLog } from "./printable-log.js";
import { sql, sqlTemplate } from "../db/named-sql.js";
import { whereClause } from "../db/list-page.js";

export const MAX_LOG_PAGE = 1024 * 1024;

export { canonicalJson, configHash } from "./run-enqueue.js";

const PAGE = sqlTemplate<"where" | "orderBy" | "limit">(
  "runs.page",
  `SELECT ${RUN_COLUMNS} FROM run t {{where}}
       ORDER BY {{orderBy}} LIMIT {{limit}}`,
);
const COUNT = sqlTemplate<"where">("runs.count", `SELECT count(*)::int AS n FROM run t {{where}}`);
const PLACE_OF_DEPLOYMENT = sql(
  "runs.placeOfDeployment",
  `SELECT d.operator_id AS "operatorId", o.provider_id AS "providerId"
           FROM deployment d JOIN operator o ON o.id = d.operator_id WHERE d.id = $1 FOR SHARE OF d`,
);
const PLACE_OF_RUN = sql(
  "runs.placeOfRun",
  `SELECT r.state, r.action, d.operator_id AS "operatorId", o.provider_id AS "providerId"
           FROM run r JOIN deployment d ON d.id = r.deployment_id JOIN operator o ON o.id = d.operator_id
          WHERE r.id = $1 FOR UPDATE OF r`,
);

/** Runs of deployments: enqueueing, canceling and reading. The worker (run-worker.ts) executes them. */
export class RunService {
  constructor(
    private readonly ds: DataSource,
    private readonly sections: readonly ServiceConfigSection[],
  ) {}

  async apply(caller: Caller, deploymentGlobalId: string, idempotencyKey: string): Promise<string> {
    const deploymentId = expectGlobalId(deploymentGlobalId, "Deployment", "deploymentId");
    const key = idempotencyKey.trim();
    if (key.length === 0 || key.length > 200)
      throw badInput("idempotencyKey", "idempotencyKey must have 1 to 200 characters");
    try {
      return await this.enqueue(caller, deploymentId, deploymentGlobalId, key);
    } catch (e) {
      // A concurrent request with the same key won; answer as if it had come first.
      if (isUniqueViolation(e, "run_deployment_idempotency_key_key"))
        return this.enqueue(caller, deploymentId, deploymentGlobalId, key);
      throw e;
    }
  }

  private enqueue(caller: Caller, deploymentId: string, globalId: string, key: string): Promise<string> {
    return inTransaction(this.ds, async (tx) => {
      const db = serialized(dbOf(tx));
      // Holds off changes to the deployment (they bump its generation) while its configuration is read.
      const [d] = await db.query<{ operatorId: string; providerId: string }>(PLACE_OF_DEPLOYMENT, [
        deploymentId,
      ]);
      if (!d) throw notFound("Deployment", globalId);
      authorize(caller, Permission.RunApply, { kind: "Deployment", id: globalId, ...d });
      return enqueueRun(tx, caller, { deploymentId, operatorId: d.operatorId }, key, this.sections);
    });
  }

  cancel(caller: Caller, globalId: string): Promise<string> {
    const id = expectGlobalId(globalId, "Run", "id");
    return inTransaction(this.ds, async (tx) => {
      const db = dbOf(tx);
      const [run] = await db.query<{
        state: RunState;
        action: RunAction;
        operatorId: string;
        providerId: string;
      }>(PLACE_OF_RUN, [id]);
      if (!run) throw notFound("Run", globalId);
      authorize(caller, Permission.RunCancel, {
        kind: "Run",
        id: globalId,
        operatorId: run.operatorId,
        providerId: run.providerId,
      });
      if (isTerminal(run.state)) throw conflict("id", `the run has ended already (${run.state})`);
      if (run.state === "canceling") return id;
      const event = { targetKind: "run", targetId: id, operatorId: run.operatorId };
      if (run.state === "queued") {
        const reason = "canceled before it started";
        await transitionRun(db, id, ["queued"], "canceled", { reason });
        await recordEvent(tx, caller, { ...event, action: "cancel" });
        await recordEvent(tx, caller, { ...event, action: run.action, outcome: "failure", reason });
      } else {
        await transitionRun(db, id, ["running"], "canceling", { reason: "canceled on request" });
        await recordEvent(tx, caller, { ...event, action: "cancel", outcome: "pending" });
      }
      return id;
    });
  }

  async list(
    caller: Caller,
    filter: { deploymentId?: string | null; state?: RunState | null },
    args: PageArgs,
  ): Promise<Connection<Run>> {
    const page = pageRequest(args);
    const params: unknown[] = [];
    const where: string[] = [];
    const scoped = scopeCondition(accessOf(caller), Permission.RunRead, "run", "t", params);
    if (scoped) where.push(scoped);
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
    const ks = keysetSql(page, [integerKey("t.seq")], "DESC", params);
    if (ks.where) where.push(ks.where);
    const db = dbOf(this.ds);
    const rows = await db.query(
      PAGE.fill({ where: whereClause(where), orderBy: ks.orderBy, limit: String(ks.limit) }),
      params,
    );
    return toConnection(
      rows.map(toRun),
      page,
      (r) => [r.seq],
      async () => {
        const [r] = await db.query<{ n: number }>(
          COUNT.fill({ where: whereClause(countWhere) }),
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
      text: printableLog(slice.bytes),
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
