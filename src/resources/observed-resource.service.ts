import type { DataSource } from "typeorm";
import { initiatorOf, recordEvent } from "../accounting/record-event.js";
import { authorize } from "../authz/denied.js";
import { Permission } from "../authz/permissions.js";
import { badInput, notFound } from "../common/errors.js";
import { expectGlobalId, fromGlobalId, toGlobalId } from "../common/global-id.js";
import { dbOf } from "../db/db.js";
import { inTransaction } from "../db/transaction.js";
import type { Caller } from "../common/caller.js";
import type { ResourceStateInput } from "./observed-resource.inputs.js";
import {
  type DeploymentDrift,
  type DriftItem,
  DriftKindValue,
  DriftStatusValue,
  type ObservedResource,
} from "./observed-resource.types.js";
import { redactSecrets } from "./redact.js";
import { sql } from "../db/named-sql.js";

export const MAX_RESOURCES_PER_REPORT = 1000;
const MAX_OUTPUTS_BYTES = 64 * 1024;
// Provider clocks may run a little ahead of ours; an observation from further ahead is a mistake.
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

type Row = { kind: string; name: string; status: string; serviceId: string | null } & Record<string, unknown>;

/** What a deployment is known to look like, for comparing with what resource providers report. */
export type DesiredState = {
  stagedGeneration: number;
  deployedGeneration: number | null;
  /** Services of the deployed configuration: uuid and whether they were enabled. */
  deployedServices: { id: string; enabled: boolean; domain: string }[];
};

const PLACE_OF_DEPLOYMENT = sql(
  "resources.placeOfDeployment",
  `SELECT d.operator_id AS "operatorId", o.provider_id AS "providerId"
           FROM deployment d JOIN operator o ON o.id = d.operator_id WHERE d.id = $1 FOR SHARE OF d`,
);
const UPSERT = sql(
  "resources.observed.upsert",
  `INSERT INTO observed_resource
             (deployment_id, kind, name, service_id, status, outputs, generation, observed_at, reported_by)
           SELECT $1, r.kind, r.name, r.service_id, r.status, r.outputs, r.generation, r.observed_at, $3::jsonb
             FROM jsonb_to_recordset($2::jsonb) AS r(kind text, name text, service_id uuid, status text,
                  outputs jsonb, generation int, observed_at timestamptz)
           ON CONFLICT (deployment_id, kind, name) DO UPDATE SET
             service_id = EXCLUDED.service_id, status = EXCLUDED.status, outputs = EXCLUDED.outputs,
             generation = EXCLUDED.generation, observed_at = EXCLUDED.observed_at,
             reported_by = EXCLUDED.reported_by, updated_at = now()
           WHERE observed_resource.observed_at <= EXCLUDED.observed_at`,
);
const DELETE_GONE = sql(
  "resources.observed.deleteGone",
  `DELETE FROM observed_resource o WHERE o.deployment_id = $1
              AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset($2::jsonb) AS r(kind text, name text)
                               WHERE r.kind = o.kind AND r.name = o.name)`,
);

/** Observed state of deployments' resources, as resource providers report it. */
export class ObservedResourceService {
  constructor(private readonly ds: DataSource) {}

  /**
   * Stores the reported resources (a newer observation replaces an older one, an older one is ignored).
   * With complete, the report is the whole picture: resources it does not name are forgotten.
   */
  report(
    caller: Caller,
    deploymentGlobalId: string,
    resources: ResourceStateInput[],
    complete: boolean,
  ): Promise<string> {
    const deploymentId = expectGlobalId(deploymentGlobalId, "Deployment", "deploymentId");
    if (resources.length > MAX_RESOURCES_PER_REPORT)
      throw badInput("resources", `at most ${MAX_RESOURCES_PER_REPORT} resources per report`);
    const now = Date.now();
    const rows = resources.map((r, i) => checked(r, `resources[${i}]`, now));
    const seen = new Set<string>();
    rows.forEach((r, i) => {
      const key = `${r.kind}\u0000${r.name}`;
      if (seen.has(key)) throw badInput(`resources[${i}].name`, `${r.kind} ${r.name} is reported twice`);
      seen.add(key);
    });
    return inTransaction(this.ds, async (tx) => {
      const db = dbOf(tx);
      // A share lock keeps the deployment from being deleted under the report.
      const [d] = await db.query<{ operatorId: string; providerId: string }>(PLACE_OF_DEPLOYMENT, [
        deploymentId,
      ]);
      if (!d) throw notFound("Deployment", deploymentGlobalId);
      authorize(caller, Permission.StateReport, {
        kind: "Deployment",
        id: deploymentGlobalId,
        ...d,
      });
      const by = JSON.stringify(initiatorOf(caller));
      if (rows.length > 0) {
        // One statement for the whole report; a row keeps its newer observation if one arrived first.
        await db.query(UPSERT, [deploymentId, JSON.stringify(rows), by]);
      }
      if (complete) {
        await db.query(DELETE_GONE, [
          deploymentId,
          JSON.stringify(rows.map(({ kind, name }) => ({ kind, name }))),
        ]);
      }
      await recordEvent(tx, caller, {
        eventType: "monitor",
        action: "report",
        targetKind: "deployment",
        targetId: deploymentId,
        operatorId: d.operatorId,
      });
      return deploymentId;
    });
  }
}

type CheckedRow = {
  kind: string;
  name: string;
  service_id: string | null;
  status: string;
  outputs: unknown;
  generation: number | null;
  observed_at: string;
};

function checked(r: ResourceStateInput, field: string, now: number): CheckedRow {
  const kind = r.kind.trim();
  if (!/^[a-z0-9][a-z0-9_.-]{0,99}$/.test(kind))
    throw badInput(`${field}.kind`, `${field}.kind must be 1 to 100 lower-case letters, digits, . _ -`);
  const name = r.name.trim();
  if (name.length === 0 || name.length > 300 || /\s/.test(name) || name.includes("\u0000"))
    throw badInput(`${field}.name`, `${field}.name must be 1 to 300 characters without spaces`);
  const serviceId = r.serviceId == null ? null : expectGlobalId(r.serviceId, "Service", `${field}.serviceId`);
  if (r.generation != null && r.generation < 1)
    throw badInput(`${field}.generation`, `${field}.generation must be positive`);
  const outputs = redactSecrets(r.outputs ?? {}).value;
  if (Buffer.byteLength(JSON.stringify(outputs)) > MAX_OUTPUTS_BYTES)
    throw badInput(`${field}.outputs`, `${field}.outputs must be at most ${MAX_OUTPUTS_BYTES} bytes of JSON`);
  const observed = r.observedAt == null ? now : new Date(r.observedAt).getTime();
  if (observed > now + MAX_CLOCK_SKEW_MS)
    throw badInput(`${field}.observedAt`, `${field}.observedAt lies in the future`);
  return {
    kind,
    name,
    service_id: serviceId,
    status: r.status,
    outputs,
    generation: r.generation ?? null,
    observed_at: new Date(observed).toISOString(),
  };
}

export function toObservedResource(row: Row): ObservedResource {
  const r = row as unknown as ObservedResource & { serviceId: string | null };
  r.uuid = r.id;
  r.id = toGlobalId("ObservedResource", r.uuid);
  r.serviceUuid = row.serviceId;
  r.serviceId = row.serviceId ? toGlobalId("Service", row.serviceId) : null;
  return r;
}

/** Compares what was observed with what is deployed; pure, so the rules are tested on their own. */
export function computeDrift(desired: DesiredState, observed: ObservedResource[]): DeploymentDrift {
  const items: DriftItem[] = [];
  const item = (kind: DriftKindValue, message: string, r: ObservedResource | null, serviceUuid?: string) =>
    items.push({
      kind,
      message,
      resource: r,
      serviceId: serviceUuid ? toGlobalId("Service", serviceUuid) : (r?.serviceId ?? null),
    });
  for (const r of observed) {
    const what = `${r.kind} ${r.name}`;
    if (r.orphaned) item(DriftKindValue.ORPHANED, `${what} belongs to a removed service and still exists`, r);
    if (r.status === "missing") item(DriftKindValue.MISSING, `${what} was not found`, r);
    if (r.status === "degraded" || r.status === "failed")
      item(DriftKindValue.UNHEALTHY, `${what} is ${r.status}`, r);
    if (
      r.generation !== null &&
      desired.deployedGeneration !== null &&
      r.generation < desired.deployedGeneration
    )
      item(
        DriftKindValue.OUTDATED,
        `${what} reflects generation ${r.generation}, generation ${desired.deployedGeneration} is deployed`,
        r,
      );
  }
  if (observed.length > 0) {
    const reported = new Set(observed.map((r) => r.serviceUuid).filter((id) => id !== null));
    for (const s of desired.deployedServices) {
      if (s.enabled && !reported.has(s.id))
        item(DriftKindValue.NOT_OBSERVED, `no resource of ${s.domain} was reported`, null, s.id);
    }
  }
  const times = observed.map((r) => new Date(r.observedAt).getTime());
  return {
    status:
      observed.length === 0
        ? DriftStatusValue.UNKNOWN
        : items.length > 0
          ? DriftStatusValue.DRIFTED
          : DriftStatusValue.IN_SYNC,
    stagedGeneration: desired.stagedGeneration,
    deployedGeneration: desired.deployedGeneration,
    pendingChanges: desired.stagedGeneration !== desired.deployedGeneration,
    lastObservedAt: times.length > 0 ? new Date(Math.max(...times)) : null,
    items,
  };
}

/** The services of a deployed configuration (deployment.json), by uuid. */
export function deployedServicesOf(services: unknown): DesiredState["deployedServices"] {
  if (!Array.isArray(services)) return [];
  return services.flatMap((s: { id?: unknown; enabled?: unknown; domain?: unknown }) => {
    const id = typeof s?.id === "string" ? fromGlobalId(s.id) : null;
    if (!id || id.type !== "Service") return [];
    return [{ id: id.id, enabled: s.enabled !== false, domain: String(s.domain ?? "") }];
  });
}
