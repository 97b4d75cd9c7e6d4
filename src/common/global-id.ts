import { badInput } from "./errors.js";

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Relay global ids: base64url("Type:uuid"), opaque to clients. */
export function toGlobalId(type: string, id: string): string {
  return Buffer.from(`${type}:${id}`).toString("base64url");
}

export function fromGlobalId(globalId: string): { type: string; id: string } | null {
  const raw = Buffer.from(globalId, "base64url").toString("utf8");
  const i = raw.indexOf(":");
  if (i <= 0) return null;
  const id = raw.slice(i + 1);
  return UUID.test(id) ? { type: raw.slice(0, i), id } : null;
}

/** Decodes an id argument that must name an object of one type, or fails with the argument's name. */
export function expectGlobalId(globalId: string, type: string, field: string): string {
  const parsed = fromGlobalId(globalId);
  if (!parsed || parsed.type !== type) throw badInput(field, `${field} is not a valid ${type} id`);
  return parsed.id;
}
