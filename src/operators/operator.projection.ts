import { Permission } from "../authz/permissions.js";
import { scopeCondition } from "../authz/scope-sql.js";
import { textKey, uuidKey } from "../db/sort-key.js";
import {
  type SqlProjection,
  type SqlRoot,
  column,
  globalId,
  isoTimestamp,
  jsonColumn,
} from "../api/sql-projection.js";

/** Operator's fields as its rows hold them (toOperator reads the same columns). */
export const operatorProjection: SqlProjection = {
  type: "Operator",
  fields: {
    id: globalId("Operator", (t) => `${t}.id`),
    slug: column("slug"),
    name: column("name"),
    contactEmail: column("contact_email"),
    dnsZone: column("dns_zone"),
    quota: {
      kind: "object",
      fields: {
        storageGib: column("quota_storage_gib"),
        vcpus: column("quota_vcpus"),
        memoryGib: column("quota_memory_gib"),
      },
    },
    status: column("status"),
    bespokeInfo: jsonColumn("bespoke_info"),
    createdAt: isoTimestamp("created_at"),
    updatedAt: isoTimestamp("updated_at"),
  },
};

/** operators(first, after) in its default order (OperatorService.list: name, then id), in the caller's reach. */
export const operatorsRoot: SqlRoot = {
  field: "operators",
  connection: {
    table: "operator",
    nodeType: "Operator",
    keys: [textKey("name"), uuidKey("id")],
    scope: (access, alias, params) =>
      scopeCondition(access, Permission.OperatorRead, "operator", alias, params),
  },
};
