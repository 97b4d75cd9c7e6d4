import type { Db } from "../db/db.js";
import type { ServiceConfigSection } from "../deployments/config-section.js";
import { sql } from "../db/named-sql.js";
import { POLICY_COLUMNS, POLICY_JOINS } from "./backup-sql.js";
import { toPolicy } from "./backup.service.js";
import type { KeepRules } from "./keep-rules.js";
import type { TargetKind } from "./backup-target.entity.js";
import type { VolumeKind } from "./backup-volume.entity.js";

/** A service's `backup` in deployment.json: what NixOps4 configures snapshotting and replication from. */
export type BackupSection = {
  /** The effective policy; null: the service is not backed up (no policy, or turned off). */
  policy: { schedule: string; keep: KeepRules } | null;
  volumes: {
    kind: VolumeKind;
    name: string;
    host: string | null;
    /** The provider's targets of the volume's kind: credentials only as the secret's name. */
    targets: {
      name: string;
      kind: TargetKind;
      endpoint: string;
      location: string;
      secretRef: string | null;
      host: string | null;
    }[];
  }[];
};

const SECTION = sql(
  "backups.configSection",
  `SELECT ${POLICY_COLUMNS},
          COALESCE((SELECT json_agg(json_build_object('kind', v.kind, 'name', v.name, 'host', v.host,
              'targets', COALESCE((SELECT json_agg(json_build_object('name', t.name, 'kind', t.kind,
                                     'endpoint', t.endpoint, 'location', t.location, 'secretRef', t.secret_ref,
                                     'host', t.host) ORDER BY t.name)
                                     FROM backup_target t
                                    WHERE t.provider_id = o.provider_id
                                      AND t.kind = CASE v.kind WHEN 'block' THEN 'zfs-pull' ELSE 's3-replica' END),
                                  '[]')) ORDER BY v.kind, v.name)
             FROM backup_volume v WHERE v.service_id = s.id), '[]') AS volumes
     FROM service s ${POLICY_JOINS}
    WHERE s.deployment_id = $1`,
);

/** Backups' part of deployment.json: per service its effective policy, volumes and their targets. */
export const backupConfigSection: ServiceConfigSection = {
  key: "backup",
  async read(db: Db, deploymentId: string) {
    const rows = await db.query<Parameters<typeof toPolicy>[0] & { volumes: BackupSection["volumes"] }>(
      SECTION,
      [deploymentId],
    );
    return new Map(
      rows.map((r): [string, BackupSection] => {
        const p = toPolicy(r);
        return [
          r.serviceId,
          { policy: p?.enabled ? { schedule: p.schedule, keep: p.keep } : null, volumes: r.volumes },
        ];
      }),
    );
  },
};
