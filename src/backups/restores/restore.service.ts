import type { DataSource, EntityManager } from "typeorm";
import { initiatorOf, recordEvent } from "../../accounting/record-event.js";
import { type Connection, type PageArgs } from "../../api/connection.js";
import { accessOf, authorize } from "../../authz/denied.js";
import { Permission } from "../../authz/permissions.js";
import { restrict } from "../../authz/scope-sql.js";
import type { Caller } from "../../common/caller.js";
import { badInput, conflict, notFound } from "../../common/errors.js";
import { expectGlobalId, toGlobalId } from "../../common/global-id.js";
import { type Db, dbOf } from "../../db/db.js";
import { SqlFilter, listPage, listSql } from "../../db/list-page.js";
import { sql } from "../../db/named-sql.js";
import { integerKey } from "../../db/sort-key.js";
import { inTransaction, isUniqueViolation } from "../../db/transaction.js";
import { enqueueRun, idempotencyConflict, serialized } from "../../runs/run-enqueue.js";
import type { ServiceConfigSection } from "../../deployments/config-section.js";
import type { RestoreState } from "./backup-restore.entity.js";
import {
  APPROVAL_REQUIRED,
  BY_IDEMPOTENCY_KEY,
  DECIDE,
  INSERT_RESTORE,
  PLACE_OF_SERVICE,
  RESTORE_COLUMNS,
  RESTORE_FROM,
  RESTORE_FOR_DECISION,
  SNAPSHOT_CHOICES,
  UPSERT_SETTING,
} from "./restore-sql.js";
import { type BackupRestore, toBackupRestore } from "./restore.types.js";

export type RequestRestore = {
  serviceId: string;
  volumeId?: string | null;
  snapshotGuid?: string | null;
  /** An ISO date-time (the API's DateTime scalar hands it over as text). */
  at?: Date | string | null;
  note?: string | null;
  idempotencyKey: string;
};

export type RestoreFilter = {
  serviceId?: string | null;
  deploymentId?: string | null;
  state?: RestoreState | null;
};

const LIST = listSql("restores.list", RESTORE_FROM, RESTORE_COLUMNS);
const PROVIDER_EXISTS = sql("restores.providerExists", `SELECT 1 AS one FROM provider WHERE id = $1`);

type Decision = {
  state: RestoreState;
  serviceId: string;
  deploymentId: string;
  operatorId: string;
  providerId: string;
  volumeId: string;
  kind: string;
  name: string;
  host: string | null;
  guid: string;
  snapshotName: string;
  takenAt: Date;
  destroyedAt: Date | null;
};

/**
 * Restores of services from their backup snapshots: requested (backup:restore), approved or rejected
 * (backup:approve; no approval where the provider's setting needs none, or when the requester may approve),
 * and once approved a restore run of the deployment, queued in the same transaction. Every step is
 * accounted in its transaction.
 */
export class RestoreService {
  constructor(
    private readonly ds: DataSource,
    private readonly sections: readonly ServiceConfigSection[],
  ) {}

  async request(caller: Caller, input: RequestRestore): Promise<string> {
    const serviceGid = input.serviceId;
    const serviceId = expectGlobalId(serviceGid, "Service", "input.serviceId");
    const volumeId = input.volumeId ? expectGlobalId(input.volumeId, "BackupVolume", "input.volumeId") : null;
    const guid = input.snapshotGuid?.trim() || null;
    const at = input.at == null ? null : new Date(input.at);
    if (at !== null && Number.isNaN(at.getTime())) throw badInput("input.at", "at is not a date-time");
    if ((guid === null) === (at === null))
      throw badInput("input.snapshotGuid", "name exactly one of snapshotGuid and at");
    if (guid !== null && guid.length > 200) throw badInput("input.snapshotGuid", "snapshotGuid is too long");
    if (at !== null && at.getTime() > Date.now()) throw badInput("input.at", "at must not be in the future");
    const note = input.note?.trim() || null;
    if (note !== null && note.length > 1000)
      throw badInput("input.note", "note must have at most 1000 characters");
    const key = input.idempotencyKey.trim();
    if (key.length === 0 || key.length > 200)
      throw badInput("idempotencyKey", "idempotencyKey must have 1 to 200 characters");
    const asked = { serviceId, volumeId, guid, at, note, key, serviceGid };
    try {
      return await this.insert(caller, asked);
    } catch (e) {
      // A concurrent request with the same key won; answer as if it had come first.
      if (isUniqueViolation(e, "backup_restore_deployment_idempotency_key_key"))
        return this.insert(caller, asked);
      throw e;
    }
  }

  private insert(
    caller: Caller,
    a: {
      serviceId: string;
      volumeId: string | null;
      guid: string | null;
      at: Date | null;
      note: string | null;
      key: string;
      serviceGid: string;
    },
  ): Promise<string> {
    return inTransaction(this.ds, async (tx) => {
      const db = serialized(dbOf(tx));
      const [place] = await db.query<{ deploymentId: string; operatorId: string; providerId: string }>(
        PLACE_OF_SERVICE,
        [a.serviceId],
      );
      if (!place) throw notFound("Service", a.serviceGid);
      authorize(caller, Permission.BackupRestore, { kind: "Service", id: a.serviceGid, ...place });
      const choices = await db.query<{ volumeId: string; guid: string }>(SNAPSHOT_CHOICES, [
        a.serviceId,
        a.volumeId,
        a.guid,
        a.at,
      ]);
      if (choices.length > 1)
        throw badInput(
          "input.volumeId",
          "the service has several volumes with such a snapshot: name one (volumeId)",
        );
      const choice = choices[0];
      if (!choice)
        throw a.guid !== null
          ? badInput("input.snapshotGuid", "the service has no existing snapshot with this GUID")
          : badInput("input.at", "no existing snapshot of the service was taken at or before this time");
      const [existing] = await db.query<{
        id: string;
        serviceId: string;
        volumeId: string;
        snapshotGuid: string;
        pointInTime: Date | null;
      }>(BY_IDEMPOTENCY_KEY, [place.deploymentId, a.key]);
      if (existing) {
        const same =
          existing.serviceId === a.serviceId &&
          existing.volumeId === choice.volumeId &&
          (a.at === null
            ? existing.pointInTime === null && existing.snapshotGuid === a.guid
            : existing.pointInTime?.getTime() === a.at.getTime());
        if (same) return existing.id;
        throw idempotencyConflict();
      }
      const [row] = await db.query<{ id: string }>(INSERT_RESTORE, [
        a.serviceId,
        place.deploymentId,
        place.operatorId,
        choice.volumeId,
        choice.guid,
        a.at,
        a.note,
        JSON.stringify(initiatorOf(caller)),
        caller.requestId,
        a.key,
      ]);
      const id = (row as { id: string }).id;
      await recordEvent(tx, caller, {
        action: "create",
        targetKind: "backup-restore",
        targetId: id,
        operatorId: place.operatorId,
      });
      const [policy] = await db.query<{ required: boolean }>(APPROVAL_REQUIRED, [place.providerId]);
      const target = { kind: "BackupRestore", id: toGlobalId("BackupRestore", id), ...place };
      if (!policy?.required || accessOf(caller).allows(Permission.BackupApprove, target)) {
        await this.decide(tx, caller, id, "approved", null);
      }
      return id;
    });
  }

  /** Approves a requested restore and queues its run; approving an approved one again changes nothing. */
  approve(caller: Caller, globalId: string): Promise<string> {
    return this.decision(caller, globalId, "approved", null);
  }

  reject(caller: Caller, globalId: string, reason: string | null | undefined): Promise<string> {
    const why = reason?.trim() || null;
    if (why !== null && why.length > 1000)
      throw badInput("reason", "reason must have at most 1000 characters");
    return this.decision(caller, globalId, "rejected", why);
  }

  private decision(
    caller: Caller,
    globalId: string,
    to: RestoreState,
    reason: string | null,
  ): Promise<string> {
    const id = expectGlobalId(globalId, "BackupRestore", "id");
    return inTransaction(this.ds, async (tx) => {
      const [r] = await dbOf(tx).query<Decision>(RESTORE_FOR_DECISION, [id]);
      if (!r) throw notFound("BackupRestore", globalId);
      authorize(caller, Permission.BackupApprove, {
        kind: "BackupRestore",
        id: globalId,
        operatorId: r.operatorId,
        providerId: r.providerId,
      });
      if (r.state === to) return id;
      if (r.state !== "requested") throw conflict("id", `the restore was ${r.state} already`);
      await this.decide(tx, caller, id, to, reason, r);
      return id;
    });
  }

  /**
   * Records the decision and, for an approval, queues the restore run (the deployment is held FOR SHARE by
   * the caller's statement, as enqueueRun requires).
   */
  private async decide(
    tx: EntityManager,
    caller: Caller,
    id: string,
    to: RestoreState,
    reason: string | null,
    known?: Decision,
  ): Promise<void> {
    const db = dbOf(tx);
    const r = known ?? (await db.query<Decision>(RESTORE_FOR_DECISION, [id]))[0];
    if (!r) throw notFound("BackupRestore", toGlobalId("BackupRestore", id));
    let runId: string | null = null;
    if (to === "approved") {
      if (r.destroyedAt !== null)
        throw conflict("id", "the snapshot was destroyed since the restore was requested");
      const target = { deploymentId: r.deploymentId, operatorId: r.operatorId };
      runId = await enqueueRun(tx, caller, target, null, this.sections, {
        restoreId: toGlobalId("BackupRestore", id),
        service: toGlobalId("Service", r.serviceId),
        volume: { id: toGlobalId("BackupVolume", r.volumeId), kind: r.kind, name: r.name, host: r.host },
        snapshot: { guid: r.guid, name: r.snapshotName, takenAt: new Date(r.takenAt).toISOString() },
      });
    }
    await db.query(DECIDE, [id, to, JSON.stringify(initiatorOf(caller)), reason, runId]);
    await recordEvent(tx, caller, {
      action: to === "approved" ? "approve" : "reject",
      targetKind: "backup-restore",
      targetId: id,
      operatorId: r.operatorId,
      reason,
    });
  }

  /** Whether restores of the provider's operators wait for a provider admin's approval. */
  setApprovalRequired(caller: Caller, providerGlobalId: string, required: boolean): Promise<string> {
    const providerId = expectGlobalId(providerGlobalId, "Provider", "providerId");
    authorize(caller, Permission.BackupManage, {
      kind: "Provider",
      id: providerGlobalId,
      providerId,
      operatorId: null,
    });
    return inTransaction(this.ds, async (tx) => {
      const db = dbOf(tx);
      if ((await db.query(PROVIDER_EXISTS, [providerId])).length === 0)
        throw notFound("Provider", providerGlobalId);
      // RETURNING's subquery sees the row as it was before the statement: null when there was none.
      const [row] = await db.query<{ before: boolean | null }>(UPSERT_SETTING, [providerId, required]);
      await recordEvent(tx, caller, {
        action: "update",
        targetKind: "backup-restore-setting",
        targetId: providerId,
        operatorId: null,
        changes: { approvalRequired: { before: row?.before ?? true, after: required } },
      });
      return providerId;
    });
  }

  list(caller: Caller, filter: RestoreFilter, args: PageArgs): Promise<Connection<BackupRestore>> {
    const f = restrict(new SqlFilter(), accessOf(caller), Permission.BackupRead, "backup_restore");
    if (filter.serviceId)
      f.add((p) => `t.service_id = ${p}`, expectGlobalId(filter.serviceId, "Service", "filter.serviceId"));
    if (filter.deploymentId)
      f.add(
        (p) => `t.deployment_id = ${p}`,
        expectGlobalId(filter.deploymentId, "Deployment", "filter.deploymentId"),
      );
    if (filter.state) f.add((p) => `t.state = ${p}`, filter.state);
    return listPage(this.db(), {
      sql: LIST,
      filter: f,
      order: [integerKey("t.seq")],
      direction: "DESC",
      args,
      map: toBackupRestore,
      cursorOf: (r) => [r.seq],
    });
  }

  private db(): Db {
    return dbOf(this.ds);
  }
}
