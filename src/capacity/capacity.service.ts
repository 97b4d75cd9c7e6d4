import type { DataSource } from "typeorm";
import { authorize } from "../authz/denied.js";
import { Permission } from "../authz/permissions.js";
import type { Caller } from "../common/caller.js";
import { notFound } from "../common/errors.js";
import { expectGlobalId } from "../common/global-id.js";
import { dbOf } from "../db/db.js";
import { CAPACITY } from "./capacity-sql.js";
import {
  type Capacity,
  type CapacityLine,
  CapacityResource,
  type ClusterCapacity,
} from "./capacity.types.js";

type Row = {
  providerExists: boolean;
  operators: number;
  bookedVcpus: number;
  bookedMemory: number;
  bookedBlock: number;
  bookedBlob: number;
  clusters: ClusterCapacity[];
  missingClusters: string[];
};

/** Booked against available, per resource, for provider staff. */
export class CapacityService {
  constructor(private readonly ds: DataSource) {}

  async ofProvider(caller: Caller, providerGlobalId: string): Promise<Capacity> {
    const providerId = expectGlobalId(providerGlobalId, "Provider", "providerId");
    // Provider staff's information: another provider's capacity looks missing.
    authorize(caller, Permission.ProviderInfoRead, {
      kind: "Provider",
      id: providerGlobalId,
      providerId,
      operatorId: null,
    });
    const [row] = await dbOf(this.ds).query<Row>(CAPACITY, [providerId]);
    if (!row?.providerExists) throw notFound("Provider", providerGlobalId);
    const total = (k: "vcpus" | "memoryGib" | "blockGib" | "blobGib") =>
      row.clusters.reduce((sum, c) => sum + Number(c[k]), 0);
    const resources = [
      line(CapacityResource.VCPUS, row.bookedVcpus, total("vcpus")),
      line(CapacityResource.MEMORY, row.bookedMemory, total("memoryGib")),
      line(CapacityResource.BLOCK, row.bookedBlock, total("blockGib")),
      line(CapacityResource.BLOB, row.bookedBlob, total("blobGib")),
    ];
    return {
      resources,
      clusters: row.clusters,
      missingClusters: row.missingClusters,
      operators: row.operators,
      overCommitted: resources.some((r) => r.overCommitted),
    };
  }
}

function line(resource: CapacityResource, booked: number, available: number): CapacityLine {
  return {
    resource,
    booked,
    available,
    ratio: available > 0 ? booked / available : null,
    overCommitted: booked > available,
  };
}
