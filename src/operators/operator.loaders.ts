import type { Access } from "../authz/access.js";
import { Permission } from "../authz/permissions.js";
import { rowScope } from "../authz/scope-sql.js";
import type { Db } from "../db/db.js";
import { isoTime } from "../db/sql.js";
import { byIdLoader, byIdSql } from "../db/batch.js";
import { toOperator } from "./operator.types.js";

export const OPERATOR_COLUMNS = `t.id, t.provider_id AS "providerId", t.slug, t.name, t.contact_email AS "contactEmail",
  t.dns_zone AS "dnsZone", t.quota_storage_gib AS "quotaStorageGib", t.quota_vcpus AS "quotaVcpus",
  t.quota_memory_gib AS "quotaMemoryGib", t.status, t.bespoke_info AS "bespokeInfo",
  ${isoTime("t.created_at")} AS "createdAt", ${isoTime("t.updated_at")} AS "updatedAt"`;

const OPERATOR_BY_ID = byIdSql("operators.byId", `SELECT ${OPERATOR_COLUMNS} FROM operator t`);

/** Scoped by the caller's access: out-of-scope operators load as missing. */
export function createOperatorLoaders(db: Db, access: Access) {
  return {
    operatorById: byIdLoader(
      db,
      OPERATOR_BY_ID,
      toOperator,
      rowScope(access, Permission.OperatorRead, "operator"),
    ),
  };
}
