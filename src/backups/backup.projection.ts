import { KEEP_RULES } from "./keep-rules.js";
import { type FieldSql, type SqlProjection, value } from "../api/sql-projection.js";
import { PolicySourceValue } from "./backup.types.js";

const rules = (sql: (rule: string) => string): FieldSql => ({
  kind: "object",
  fields: Object.fromEntries(KEEP_RULES.map((r) => [r, value(() => sql(r))])),
});

/** Service.backupPolicy as toPolicy makes it of POLICY_COLUMNS: its own policy, else its provider's default. */
export const servicePolicyProjection: SqlProjection = {
  type: "Service",
  fields: {
    backupPolicy: {
      kind: "related",
      // The provider comes from the operator row the service was read under, when the read has one.
      from: (t, a, up) => {
        const operator = up("Operator");
        const policy = `LEFT JOIN backup_policy ${a("bp")} ON ${a("bp")}.service_id = ${t}.id`;
        const byDefault = (provider: string) =>
          `LEFT JOIN backup_default ${a("bd")} ON ${a("bd")}.provider_id = ${provider}
            AND ${a("bd")}.service_type_id = ${t}.service_type_id`;
        return operator
          ? `FROM (SELECT 1) ${a("one")} ${policy} ${byDefault(`${operator}.provider_id`)}`
          : `FROM deployment ${a("d")} JOIN operator ${a("o")} ON ${a("o")}.id = ${a("d")}.operator_id
              ${policy} ${byDefault(`${a("o")}.provider_id`)} WHERE ${a("d")}.id = ${t}.deployment_id`;
      },
      present: (a) => `COALESCE(${a("bp")}.schedule, ${a("bd")}.schedule) IS NOT NULL`,
      fields: (a) => ({
        enabled: value(() => `COALESCE(${a("bp")}.enabled, ${a("bd")}.id IS NOT NULL)`),
        schedule: value(() => `COALESCE(${a("bp")}.schedule, ${a("bd")}.schedule)`),
        keep: rules((r) => `COALESCE(${a("bp")}.keep_${r}, ${a("bd")}.keep_${r}, 0)`),
        minimum: rules((r) => `COALESCE(${a("bd")}.min_keep_${r}, 0)`),
        source: value(
          () =>
            `CASE WHEN ${a("bp")}.service_id IS NOT NULL THEN '${PolicySourceValue.SERVICE}' ` +
            `ELSE '${PolicySourceValue.PROVIDER_DEFAULT}' END`,
        ),
      }),
    },
  },
};
