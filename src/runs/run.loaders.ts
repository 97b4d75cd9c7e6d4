import DataLoader from "dataloader";
import { byIdLoader, byIdSql } from "../db/batch.js";
import type { Access } from "../authz/access.js";
import { Permission } from "../authz/permissions.js";
import { rowScope, scopeCondition } from "../authz/scope-sql.js";
import type { Db } from "../db/db.js";
import { type Run, toRun } from "./run.types.js";
import { sqlTemplate } from "../db/named-sql.js";

export const RUN_COLUMNS = `t.id, t.seq, t.deployment_id AS "deploymentId", t.action, t.state, t.generation,
  t.config_hash AS "configHash", t.initiator, t.request_id AS "requestId", t.queued_at AS "queuedAt",
  t.started_at AS "startedAt", t.cancel_requested_at AS "cancelRequestedAt", t.finished_at AS "finishedAt",
  t.heartbeat_at AS "heartbeatAt", t.exit_code AS "exitCode", t.signal, t.reason,
  t.log_omitted_bytes AS "logOmittedBytes"`;

const RUN_BY_ID = byIdSql("runs.byId", `SELECT ${RUN_COLUMNS} FROM run t`);
const RUN_CONFIG_BY_ID = byIdSql("runs.configById", `SELECT t.id, t.config FROM run t`);

const LAST_RUN_BY_DEPLOYMENT = sqlTemplate<"scope">(
  "runs.lastByDeployment",
  `SELECT DISTINCT ON (t.deployment_id) ${RUN_COLUMNS} FROM run t
          WHERE t.deployment_id = ANY($1::uuid[]){{scope}}
          ORDER BY t.deployment_id, t.seq DESC`,
);

/** Scoped by the caller's access (run:read): out-of-scope runs load as missing. */
export function createRunLoaders(db: Db, access: Access) {
  const runs = rowScope(access, Permission.RunRead, "run");
  return {
    runById: byIdLoader(db, RUN_BY_ID, toRun, runs),
    /** The frozen configuration, loaded only when asked for (it can be large). */
    runConfigById: byIdLoader(db, RUN_CONFIG_BY_ID, (r) => r.config as object, runs),
    lastRunByDeployment: new DataLoader<string, Run | null>(async (ids) => {
      const params: unknown[] = [ids];
      const scoped = scopeCondition(access, Permission.RunRead, "run", "t", params);
      const rows = await db.query(
        LAST_RUN_BY_DEPLOYMENT.fill({ scope: scoped ? ` AND ${scoped}` : "" }),
        params,
      );
      const found = new Map(rows.map((r) => [r.deploymentId as string, toRun(r)]));
      return ids.map((id) => found.get(id) ?? null);
    }),
  };
}
