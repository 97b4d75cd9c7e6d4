import type { Access } from "../../authz/access.js";
import { Permission } from "../../authz/permissions.js";
import { rowScope } from "../../authz/scope-sql.js";
import { byIdLoader, byIdSql } from "../../db/batch.js";
import type { Db } from "../../db/db.js";
import { RESTORE_COLUMNS, RESTORE_FROM } from "./restore-sql.js";
import { toBackupRestore } from "./restore.types.js";

const RESTORE_BY_ID = byIdSql("restores.byId", `SELECT ${RESTORE_COLUMNS} FROM ${RESTORE_FROM}`);

/** Scoped by the caller's access (backup:read): out-of-scope restores load as missing. */
export function createRestoreLoaders(db: Db, access: Access) {
  return {
    backupRestoreById: byIdLoader(
      db,
      RESTORE_BY_ID,
      toBackupRestore,
      rowScope(access, Permission.BackupRead, "backup_restore"),
    ),
  };
}
