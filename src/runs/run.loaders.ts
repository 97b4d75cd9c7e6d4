import DataLoader from "dataloader";
import { byIdLoader } from "../db/batch.js";
import type { Db } from "../db/db.js";
import { type Run, toRun } from "./run.types.js";

export const RUN_COLUMNS = `t.id, t.seq, t.deployment_id AS "deploymentId", t.action, t.state, t.generation,
  t.config_hash AS "configHash", t.initiator, t.request_id AS "requestId", t.queued_at AS "queuedAt",
  t.started_at AS "startedAt", t.cancel_requested_at AS "cancelRequestedAt", t.finished_at AS "finishedAt",
  t.heartbeat_at AS "heartbeatAt", t.exit_code AS "exitCode", t.signal, t.reason,
  t.log_omitted_bytes AS "logOmittedBytes"`;

export function createRunLoaders(db: Db) {
  return {
    runById: byIdLoader(db, `SELECT ${RUN_COLUMNS} FROM run t`, toRun),
    /** The frozen configuration, loaded only when asked for (it can be large). */
    runConfigById: byIdLoader(db, `SELECT t.id, t.config FROM run t`, (r) => r.config as object),
    lastRunByDeployment: new DataLoader<string, Run | null>(async (ids) => {
      const rows = await db.query(
        `SELECT DISTINCT ON (t.deployment_id) ${RUN_COLUMNS} FROM run t
          WHERE t.deployment_id = ANY($1::uuid[]) ORDER BY t.deployment_id, t.seq DESC`,
        [ids],
      );
      const found = new Map(rows.map((r) => [r.deploymentId as string, toRun(r)]));
      return ids.map((id) => found.get(id) ?? null);
    }),
  };
}
