import DataLoader from "dataloader";
import type { Access } from "../authz/access.js";
import { Permission } from "../authz/permissions.js";
import { rowScope, scopeCondition } from "../authz/scope-sql.js";
import { byIdLoader, byIdSql } from "../db/batch.js";
import type { Db } from "../db/db.js";
import { sql, sqlTemplate } from "../db/named-sql.js";
import { POLICY_BY_SERVICE, VOLUME_COLUMNS } from "./backup-sql.js";
import { readFreshness, toPolicy, toTarget, toVolume } from "./backup.service.js";
import type {
  BackupFreshness,
  BackupPolicy,
  BackupReplica,
  BackupSnapshot,
  BackupTarget,
  BackupVolume,
} from "./backup.types.js";

const VOLUME_BY_ID = byIdSql("backups.volumeById", `SELECT ${VOLUME_COLUMNS} FROM backup_volume t`);
const TARGET_BY_ID = byIdSql(
  "backups.targetById",
  `SELECT t.id, t.provider_id AS "providerId", t.name, t.kind, t.endpoint, t.location, t.secret_ref AS "secretRef",
          t.host FROM backup_target t`,
);
const VOLUMES_BY_SERVICE = sqlTemplate<"scope">(
  "backups.volumesByService",
  `SELECT ${VOLUME_COLUMNS} FROM backup_volume t WHERE t.service_id = ANY($1::uuid[]){{scope}} ORDER BY t.kind, t.name`,
);
export const MAX_SNAPSHOTS_LISTED = 100;
const SNAPSHOTS_BY_VOLUME = sql(
  "backups.snapshotsByVolume",
  `SELECT c.* FROM unnest($1::uuid[]) AS p(id) CROSS JOIN LATERAL (
     SELECT t.volume_id AS "volumeId", t.guid, t.name, t.taken_at AS "takenAt", t.size_bytes::float8 AS "sizeBytes",
            t.held_at AS "heldAt", t.destroyed_at AS "destroyedAt", t.observed_at AS "observedAt"
       FROM backup_snapshot t WHERE t.volume_id = p.id ORDER BY t.taken_at DESC, t.guid LIMIT ${MAX_SNAPSHOTS_LISTED}) c`,
);
const REPLICAS_BY_VOLUME = sql(
  "backups.replicasByVolume",
  `SELECT v.id AS "volumeId", t.name AS target, r.state, r.synced_to AS "syncedTo", r.detail,
          r.observed_at AS "observedAt"
     FROM backup_volume v JOIN operator o ON o.id = v.operator_id
     JOIN backup_target t ON t.provider_id = o.provider_id
      AND t.kind = CASE v.kind WHEN 'block' THEN 'zfs-pull' ELSE 's3-replica' END
     LEFT JOIN backup_replica r ON r.volume_id = v.id AND r.target_id = t.id
    WHERE v.id = ANY($1::uuid[]) ORDER BY t.name`,
);

const and = (cond: string | null) => (cond ? ` AND ${cond}` : "");

function grouped<T>(rows: T[], key: (r: T) => string, ids: readonly string[]): T[][] {
  const by = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = by.get(k);
    if (list) list.push(r);
    else by.set(k, [r]);
  }
  return ids.map((id) => by.get(id) ?? []);
}

/** Backups' per-request loaders: what a service's backups are, within the caller's backup:read. */
export function createBackupLoaders(db: Db, access: Access) {
  const volumes = rowScope(access, Permission.BackupRead, "backup_volume");
  return {
    backupVolumeById: byIdLoader<BackupVolume>(db, VOLUME_BY_ID, toVolume, volumes),
    backupTargetById: byIdLoader<BackupTarget>(
      db,
      TARGET_BY_ID,
      toTarget,
      rowScope(access, Permission.BackupRead, "backup_target"),
    ),
    /** The effective policy (configuration: readable with the service). */
    backupPolicyByService: new DataLoader<string, BackupPolicy | null>(async (ids) => {
      const rows = await db.query<Parameters<typeof toPolicy>[0]>(POLICY_BY_SERVICE, [ids]);
      const found = new Map(rows.map((r) => [r.serviceId, toPolicy(r)]));
      return ids.map((id) => found.get(id) ?? null);
    }),
    backupVolumesByService: new DataLoader<string, BackupVolume[]>(async (ids) => {
      const params: unknown[] = [ids];
      const rows = await db.query(VOLUMES_BY_SERVICE.fill({ scope: and(volumes(params)) }), params);
      return grouped(rows.map(toVolume), (v) => v.serviceId, ids);
    }),
    backupFreshnessByService: new DataLoader<string, BackupFreshness | null>(async (ids) => {
      const params: unknown[] = [ids];
      const scope = scopeCondition(access, Permission.BackupRead, "service", "s", params);
      const rows = await readFreshness(db, `s.id = ANY($1::uuid[])${and(scope)}`, params);
      const found = new Map(rows.map((f) => [f.serviceUuid, f]));
      return ids.map((id) => found.get(id) ?? null);
    }),
    /** Volumes are only handed out in scope, so their snapshots and replicas need none of their own. */
    snapshotsByVolume: new DataLoader<string, BackupSnapshot[]>(async (ids) => {
      const rows = await db.query<BackupSnapshot & { volumeId: string }>(SNAPSHOTS_BY_VOLUME, [ids]);
      return grouped(rows, (r) => r.volumeId, ids);
    }),
    replicasByVolume: new DataLoader<string, BackupReplica[]>(async (ids) => {
      const rows = await db.query<BackupReplica & { volumeId: string }>(REPLICAS_BY_VOLUME, [ids]);
      return grouped(rows, (r) => r.volumeId, ids);
    }),
  };
}
