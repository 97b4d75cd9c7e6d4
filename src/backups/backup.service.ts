import type { DataSource } from "typeorm";
import { changesBetween, recordEvent } from "../accounting/record-event.js";
import { accessOf, authorize } from "../authz/denied.js";
import { Permission } from "../authz/permissions.js";
import { scopeCondition } from "../authz/scope-sql.js";
import type { Caller } from "../common/caller.js";
import { badInput, notFound } from "../common/errors.js";
import { expectGlobalId, toGlobalId } from "../common/global-id.js";
import * as v from "../common/validate.js";
import { dbOf, type Db } from "../db/db.js";
import { sql } from "../db/named-sql.js";
import { inTransaction } from "../db/transaction.js";
import type {
  BackupDefaultInput,
  BackupPolicyInput,
  BackupTargetInput,
  BackupVolumeInput,
  KeepRulesInput,
} from "./backup.inputs.js";
import { FRESHNESS, POLICY_BY_SERVICE, PROVIDER_VOLUMES } from "./backup-sql.js";
import { type Freshness, freshnessOf, type FreshnessInput, unprotectedFirst } from "./freshness.js";
import { KEEP_RULES, type KeepRules } from "./keep-rules.js";
import { retentionPlan } from "./retention.js";
import {
  type BackupFreshness,
  type BackupPolicy,
  type BackupRetentionPlan,
  type BackupTarget,
  type BackupVolume,
  type FreshnessStatusValue,
  PolicySourceValue,
} from "./backup.types.js";

const SECRET_REF = /^[A-Za-z0-9][A-Za-z0-9_.:/@-]{0,199}$/;
const HOST = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,252}$/;
const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,254}$/;

const PROVIDER = sql("backups.provider", `SELECT id FROM provider WHERE id = $1`);
const SERVICE_TYPE = sql("backups.serviceType", `SELECT id FROM service_type WHERE slug = $1`);
const SERVICE_PLACE = sql(
  "backups.servicePlace",
  `SELECT s.id, s.deployment_id AS "deploymentId", d.operator_id AS "operatorId", o.provider_id AS "providerId"
     FROM service s JOIN deployment d ON d.id = s.deployment_id JOIN operator o ON o.id = d.operator_id
    WHERE s.id = $1 FOR SHARE OF s`,
);
const UPSERT_DEFAULT = sql(
  "backups.default.upsert",
  `INSERT INTO backup_default (provider_id, service_type_id, schedule, keep_last, keep_hourly, keep_daily,
     keep_weekly, keep_monthly, keep_yearly, min_keep_last, min_keep_hourly, min_keep_daily, min_keep_weekly,
     min_keep_monthly, min_keep_yearly)
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
   ON CONFLICT (provider_id, service_type_id) DO UPDATE SET schedule = EXCLUDED.schedule,
     keep_last = EXCLUDED.keep_last, keep_hourly = EXCLUDED.keep_hourly, keep_daily = EXCLUDED.keep_daily,
     keep_weekly = EXCLUDED.keep_weekly, keep_monthly = EXCLUDED.keep_monthly, keep_yearly = EXCLUDED.keep_yearly,
     min_keep_last = EXCLUDED.min_keep_last, min_keep_hourly = EXCLUDED.min_keep_hourly,
     min_keep_daily = EXCLUDED.min_keep_daily, min_keep_weekly = EXCLUDED.min_keep_weekly,
     min_keep_monthly = EXCLUDED.min_keep_monthly, min_keep_yearly = EXCLUDED.min_keep_yearly, updated_at = now()`,
);
// A default reaches every deployment of the provider running the type: their deployment.json changes.
const BUMP_PROVIDER_TYPE = sql(
  "backups.default.bumpDeployments",
  `UPDATE deployment d SET staged_generation = staged_generation + 1, updated_at = now()
    WHERE d.id IN (SELECT s.deployment_id FROM service s JOIN deployment sd ON sd.id = s.deployment_id
                    JOIN operator o ON o.id = sd.operator_id
                   WHERE o.provider_id = $1 AND s.service_type_id = $2)`,
);
const BUMP_PROVIDER = sql(
  "backups.target.bumpDeployments",
  `UPDATE deployment d SET staged_generation = staged_generation + 1, updated_at = now()
    WHERE d.operator_id IN (SELECT id FROM operator WHERE provider_id = $1)`,
);
const BUMP_DEPLOYMENT = sql(
  "backups.bumpDeployment",
  `UPDATE deployment SET staged_generation = staged_generation + 1, updated_at = now() WHERE id = $1`,
);
const UPSERT_POLICY = sql(
  "backups.policy.upsert",
  `INSERT INTO backup_policy (service_id, enabled, schedule, keep_last, keep_hourly, keep_daily, keep_weekly,
     keep_monthly, keep_yearly) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
   ON CONFLICT (service_id) DO UPDATE SET enabled = EXCLUDED.enabled, schedule = EXCLUDED.schedule,
     keep_last = EXCLUDED.keep_last, keep_hourly = EXCLUDED.keep_hourly, keep_daily = EXCLUDED.keep_daily,
     keep_weekly = EXCLUDED.keep_weekly, keep_monthly = EXCLUDED.keep_monthly, keep_yearly = EXCLUDED.keep_yearly,
     updated_at = now()`,
);
const DELETE_POLICY = sql("backups.policy.delete", `DELETE FROM backup_policy WHERE service_id = $1`);
const UPSERT_TARGET = sql(
  "backups.target.upsert",
  `INSERT INTO backup_target (provider_id, name, kind, endpoint, location, secret_ref, host)
   VALUES ($1, $2, $3, $4, $5, $6, $7)
   ON CONFLICT (provider_id, name) DO UPDATE SET kind = EXCLUDED.kind, endpoint = EXCLUDED.endpoint,
     location = EXCLUDED.location, secret_ref = EXCLUDED.secret_ref, host = EXCLUDED.host, updated_at = now()
   RETURNING id, provider_id AS "providerId", name, kind, endpoint, location, secret_ref AS "secretRef", host`,
);
const UPSERT_VOLUME = sql(
  "backups.volume.upsert",
  `INSERT INTO backup_volume (service_id, operator_id, kind, name, host) VALUES ($1, $2, $3, $4, $5)
   ON CONFLICT (service_id, kind, name) DO UPDATE SET host = EXCLUDED.host, updated_at = now()
   RETURNING id, service_id AS "serviceId", operator_id AS "operatorId", kind, name, host,
     last_snapshot_at AS "lastSnapshotAt"`,
);
const VOLUME_PLACE = sql(
  "backups.volumePlace",
  `SELECT v.id, v.service_id AS "serviceId", v.operator_id AS "operatorId", o.provider_id AS "providerId",
          v.kind, v.name, v.host
     FROM backup_volume v JOIN operator o ON o.id = v.operator_id WHERE v.id = $1`,
);
// What the plan needs and no more, from the covering index of live snapshots (backup_snapshot_live_idx:
// an index-only scan, already newest first); times as epoch milliseconds, which pg parses as a number.
const LIVE_SNAPSHOTS = sql(
  "backups.liveSnapshots",
  `SELECT guid, name, (extract(epoch FROM taken_at) * 1000)::float8 AS ms
     FROM backup_snapshot WHERE volume_id = $1 AND destroyed_at IS NULL ORDER BY taken_at DESC`,
);

type PolicyRow = {
  serviceId: string;
  own: boolean;
  enabled: boolean;
  schedule: string | null;
  keep: number[];
  minimum: number[];
};

const rulesOf = (a: number[]): KeepRules =>
  Object.fromEntries(KEEP_RULES.map((r, i) => [r, a[i] ?? 0])) as KeepRules;

/** The effective policy of a policy row; null when the service has none. */
export function toPolicy(row: PolicyRow): BackupPolicy | null {
  if (row.schedule === null) return null;
  return {
    enabled: row.enabled,
    schedule: row.schedule,
    keep: rulesOf(row.keep),
    minimum: rulesOf(row.minimum),
    source: row.own ? PolicySourceValue.SERVICE : PolicySourceValue.PROVIDER_DEFAULT,
  };
}

function keepRules(input: KeepRulesInput | undefined, field: string): KeepRules {
  return Object.fromEntries(
    KEEP_RULES.map((r) => [r, v.size(input?.[r] ?? 0, `${field}.${r}`, 100_000)]),
  ) as KeepRules;
}

/** One row of FRESHNESS: a service, one of its volumes (or none) and one target of its kind (or none). */
type FreshnessRow = {
  serviceId: string;
  domain: string;
  schedule: string | null;
  volumeId: string | null;
  kind: "block" | "blob" | null;
  lastSnapshotMs: number | null;
  target: string | null;
  state: string | null;
  syncedToMs: number | null;
};

const dateOf = (ms: number | null) => (ms === null ? null : new Date(ms));

/** FRESHNESS's rows gathered per service (in the order they came) and per volume. */
export function freshnessInputs(rows: readonly FreshnessRow[]) {
  const services = new Map<string, { domain: string; input: FreshnessInput; volumes: Map<string, number> }>();
  for (const r of rows) {
    let s = services.get(r.serviceId);
    if (!s) {
      s = { domain: r.domain, input: { schedule: r.schedule, volumes: [] }, volumes: new Map() };
      services.set(r.serviceId, s);
    }
    if (r.volumeId === null || r.kind === null) continue;
    let i = s.volumes.get(r.volumeId);
    if (i === undefined) {
      i = s.input.volumes.push({ kind: r.kind, lastSnapshotAt: dateOf(r.lastSnapshotMs), replicas: [] }) - 1;
      s.volumes.set(r.volumeId, i);
    }
    if (r.target !== null)
      s.input.volumes[i]!.replicas.push({ target: r.target, state: r.state, syncedTo: dateOf(r.syncedToMs) });
  }
  return services;
}

/** Freshness of the services the where condition names (params its parameters), unprotected first. */
export async function readFreshness(db: Db, where: string, params: unknown[]): Promise<BackupFreshness[]> {
  const rows = await db.query<FreshnessRow>(FRESHNESS.fill({ where }), params);
  const now = new Date();
  const list: BackupFreshness[] = [];
  for (const [serviceUuid, s] of freshnessInputs(rows)) {
    const f: Freshness = freshnessOf(s.input, now);
    list.push({
      ...f,
      status: f.status as FreshnessStatusValue,
      serviceUuid,
      serviceId: toGlobalId("Service", serviceUuid),
      domain: s.domain,
    });
  }
  return list.sort(unprotectedFirst);
}

/** Backup policies, provider defaults and targets, volumes, retention plans and freshness. */
export class BackupService {
  constructor(private readonly ds: DataSource) {}

  async setDefault(caller: Caller, input: BackupDefaultInput) {
    const providerId = expectGlobalId(input.providerId, "Provider", "input.providerId");
    const schedule = v.cron(input.schedule, "input.schedule");
    const keep = keepRules(input.keep, "input.keep");
    const minimum = keepRules(input.minimum, "input.minimum");
    const under = KEEP_RULES.find((r) => keep[r] < minimum[r]);
    if (under)
      throw badInput(`input.keep.${under}`, `input.keep.${under} is below the minimum ${minimum[under]}`);
    return inTransaction(this.ds, async (tx) => {
      const db = dbOf(tx);
      const [p] = await db.query(PROVIDER, [providerId]);
      if (!p) throw notFound("Provider", input.providerId);
      authorize(caller, Permission.BackupManage, {
        kind: "Provider",
        id: input.providerId,
        providerId,
        operatorId: null,
      });
      const [type] = await db.query<{ id: string }>(SERVICE_TYPE, [input.serviceType]);
      if (!type) throw badInput("input.serviceType", `there is no service type ${input.serviceType}`);
      await db.query(UPSERT_DEFAULT, [
        providerId,
        type.id,
        schedule,
        ...KEEP_RULES.map((r) => keep[r]),
        ...KEEP_RULES.map((r) => minimum[r]),
      ]);
      await db.query(BUMP_PROVIDER_TYPE, [providerId, type.id]);
      await recordEvent(tx, caller, {
        action: "update",
        targetKind: "backup-default",
        targetId: `${providerId}/${input.serviceType}`,
        operatorId: null,
        changes: { policy: { before: null, after: { schedule, keep, minimum } } },
      });
      return { providerId: input.providerId, serviceType: input.serviceType, schedule, keep, minimum };
    });
  }

  /** The operator's policy for one service, within the provider's minimums; null input: follow the default. */
  async setPolicy(caller: Caller, serviceGlobalId: string, input: BackupPolicyInput | null): Promise<string> {
    const serviceId = expectGlobalId(serviceGlobalId, "Service", "serviceId");
    const schedule = input ? v.cron(input.schedule, "input.schedule") : null;
    const keep = input ? keepRules(input.keep, "input.keep") : null;
    return inTransaction(this.ds, async (tx) => {
      const db = dbOf(tx);
      const [s] = await db.query<{ deploymentId: string; operatorId: string; providerId: string }>(
        SERVICE_PLACE,
        [serviceId],
      );
      if (!s) throw notFound("Service", serviceGlobalId);
      authorize(caller, Permission.DeploymentWrite, { kind: "Service", id: serviceGlobalId, ...s });
      const [before] = await db.query<PolicyRow>(POLICY_BY_SERVICE, [[serviceId]]);
      const minimum = rulesOf(before!.minimum);
      if (input && keep) {
        const under = KEEP_RULES.find((r) => keep[r] < minimum[r]);
        if (under)
          throw badInput(
            `input.keep.${under}`,
            `the provider keeps at least ${minimum[under]} (${under}) for this service type`,
          );
        if (!input.enabled && KEEP_RULES.some((r) => minimum[r] > 0))
          throw badInput("input.enabled", "the provider requires backups of this service type");
        await db.query(UPSERT_POLICY, [
          serviceId,
          input.enabled,
          schedule,
          ...KEEP_RULES.map((r) => keep[r]),
        ]);
      } else await db.query(DELETE_POLICY, [serviceId]);
      await db.query(BUMP_DEPLOYMENT, [s.deploymentId]);
      const after = input ? { enabled: input.enabled, schedule, keep } : null;
      await recordEvent(tx, caller, {
        action: "update",
        targetKind: "service",
        targetId: serviceId,
        operatorId: s.operatorId,
        changes: changesBetween<{ backupPolicy: object | null }>(
          { backupPolicy: toPolicy(before!) },
          { backupPolicy: after },
        ),
      });
      return serviceId;
    });
  }

  async setTarget(caller: Caller, input: BackupTargetInput): Promise<BackupTarget> {
    const providerId = expectGlobalId(input.providerId, "Provider", "input.providerId");
    const name = v.slug(input.name, "input.name");
    if (input.kind === "s3-replica" && !/^https:\/\/[^\s]+$/.test(input.endpoint))
      throw badInput("input.endpoint", "input.endpoint of an s3-replica must be an https:// URL");
    if (input.kind === "zfs-pull" && !HOST.test(input.endpoint))
      throw badInput("input.endpoint", "input.endpoint of a zfs-pull target must be a host name");
    if (!VOLUME_NAME.test(input.location))
      throw badInput("input.location", "input.location must be a dataset or bucket name");
    if (input.secretRef != null && !SECRET_REF.test(input.secretRef))
      throw badInput("input.secretRef", "input.secretRef must be the name of a secret, not a secret");
    if (input.host != null && !HOST.test(input.host))
      throw badInput("input.host", "input.host must be a host name");
    return inTransaction(this.ds, async (tx) => {
      const db = dbOf(tx);
      const [p] = await db.query(PROVIDER, [providerId]);
      if (!p) throw notFound("Provider", input.providerId);
      authorize(caller, Permission.BackupManage, {
        kind: "Provider",
        id: input.providerId,
        providerId,
        operatorId: null,
      });
      const [t] = await db.query<Record<string, unknown> & { id: string }>(UPSERT_TARGET, [
        providerId,
        name,
        input.kind,
        input.endpoint,
        input.location,
        input.secretRef ?? null,
        input.host ?? null,
      ]);
      await db.query(BUMP_PROVIDER, [providerId]);
      await recordEvent(tx, caller, {
        action: "update",
        targetKind: "backup-target",
        targetId: t!.id,
        operatorId: null,
      });
      return toTarget(t!);
    });
  }

  async defineVolume(caller: Caller, input: BackupVolumeInput): Promise<BackupVolume> {
    const serviceId = expectGlobalId(input.serviceId, "Service", "input.serviceId");
    if (!VOLUME_NAME.test(input.name))
      throw badInput("input.name", "input.name must be a dataset or bucket name");
    if (input.host != null && !HOST.test(input.host))
      throw badInput("input.host", "input.host must be a host name");
    return inTransaction(this.ds, async (tx) => {
      const db = dbOf(tx);
      const [s] = await db.query<{ deploymentId: string; operatorId: string; providerId: string }>(
        SERVICE_PLACE,
        [serviceId],
      );
      if (!s) throw notFound("Service", input.serviceId);
      authorize(caller, Permission.BackupManage, { kind: "Service", id: input.serviceId, ...s });
      const [row] = await db.query<Record<string, unknown>>(UPSERT_VOLUME, [
        serviceId,
        s.operatorId,
        input.kind,
        input.name,
        input.host ?? null,
      ]);
      await db.query(BUMP_DEPLOYMENT, [s.deploymentId]);
      await recordEvent(tx, caller, {
        action: "update",
        targetKind: "backup-volume",
        targetId: row!.id as string,
        operatorId: s.operatorId,
      });
      return toVolume({ ...row, providerId: s.providerId });
    });
  }

  /** What the volume's policy keeps and prunes now, for the agent to prune exactly that. */
  async retentionPlan(caller: Caller, volumeGlobalId: string): Promise<BackupRetentionPlan> {
    const id = expectGlobalId(volumeGlobalId, "BackupVolume", "volumeId");
    const db = dbOf(this.ds);
    const [vol] = await db.query<{ serviceId: string; operatorId: string; providerId: string }>(
      VOLUME_PLACE,
      [id],
    );
    if (!vol) throw notFound("BackupVolume", volumeGlobalId);
    authorize(caller, Permission.BackupRead, { kind: "BackupVolume", id: volumeGlobalId, ...vol });
    const [[row], snapshots] = await Promise.all([
      db.query<PolicyRow>(POLICY_BY_SERVICE, [[vol.serviceId]]),
      db.query<{ guid: string; name: string; ms: number }>(LIVE_SNAPSHOTS, [id]),
    ]);
    const policy = row ? toPolicy(row) : null;
    // Without a policy (or with backups off) nothing is pruned: pruning is never the safe default.
    const dated = snapshots.map((s) => ({ guid: s.guid, name: s.name, takenAt: new Date(s.ms) }));
    const plan = retentionPlan(dated, policy?.enabled ? policy.keep : rulesOf([]));
    return { volumeId: volumeGlobalId, policy, keep: plan.keep, prune: plan.prune };
  }

  /** Every volume of a provider's services the caller may read backups of, by kind and name. */
  async providerVolumes(caller: Caller, providerGlobalId: string): Promise<BackupVolume[]> {
    const providerId = expectGlobalId(providerGlobalId, "Provider", "providerId");
    const params: unknown[] = [providerId];
    const scope = scopeCondition(accessOf(caller), Permission.BackupRead, "backup_volume", "t", params);
    const rows = await dbOf(this.ds).query(
      PROVIDER_VOLUMES.fill({ scope: scope ? ` AND ${scope}` : "" }),
      params,
    );
    return rows.map(toVolume);
  }

  /** Freshness of every service of a provider the caller may read backups of, unprotected first. */
  async providerFreshness(caller: Caller, providerGlobalId: string): Promise<BackupFreshness[]> {
    const providerId = expectGlobalId(providerGlobalId, "Provider", "providerId");
    const params: unknown[] = [providerId];
    const scope = scopeCondition(accessOf(caller), Permission.BackupRead, "service", "s", params);
    return readFreshness(dbOf(this.ds), `o.provider_id = $1${scope ? ` AND ${scope}` : ""}`, params);
  }
}

export function toTarget(row: Record<string, unknown>): BackupTarget {
  const t = row as unknown as BackupTarget;
  t.uuid = row.id as string;
  t.id = toGlobalId("BackupTarget", t.uuid);
  return t;
}

export function toVolume(row: Record<string, unknown>): BackupVolume {
  const vol = row as unknown as BackupVolume;
  vol.uuid = row.id as string;
  vol.id = toGlobalId("BackupVolume", vol.uuid);
  return vol;
}
