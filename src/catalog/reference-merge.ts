import { isDeepStrictEqual } from "node:util";
import { MANAGED_FIELDS, type ServiceTypeValues } from "./service-type.entity.js";

/**
 * The three-way merge of one row (as package managers merge configuration files): a field still holding
 * the value last installed takes the new release's; a field the provider changed keeps the provider's.
 */
export function mergeReference(
  row: ServiceTypeValues,
  installed: ServiceTypeValues,
  next: ServiceTypeValues,
): Partial<ServiceTypeValues> {
  const patch: Partial<ServiceTypeValues> = {};
  for (const f of MANAGED_FIELDS) {
    if (isDeepStrictEqual(row[f], installed[f]) && !isDeepStrictEqual(row[f], next[f])) {
      Object.assign(patch, { [f]: next[f] });
    }
  }
  return patch;
}

/** The fields of a row that differ from the reference values it last got (the provider's own edits). */
export const customizedFields = (row: ServiceTypeValues, installed: ServiceTypeValues | null): string[] =>
  installed ? MANAGED_FIELDS.filter((f) => !isDeepStrictEqual(row[f], installed[f])) : [];
