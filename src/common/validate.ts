import { domainToASCII } from "node:url";
import { CronExpressionParser } from "cron-parser";
import { badInput } from "./errors.js";

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
// RFC 5321/5322 in practice: one @, no spaces, a dotted domain after it.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export function slug(value: string, field: string): string {
  if (!SLUG.test(value)) {
    throw badInput(
      field,
      `${field} must be 1-63 lower-case letters, digits or dashes, not starting or ending with a dash`,
    );
  }
  return value;
}

export function email(value: string, field: string): string {
  const v = value.trim();
  const at = v.lastIndexOf("@");
  if (v.length > 254 || !EMAIL.test(v) || at < 1)
    throw badInput(field, `${field} is not a valid email address`);
  const domain = domainToASCII(v.slice(at + 1).toLowerCase());
  if (!domain) throw badInput(field, `${field} has an invalid domain`);
  return `${v.slice(0, at)}@${domain}`;
}

/** A DNS name, IDN allowed; returned in ASCII (punycode), lower case, without a trailing dot. */
export function dnsName(value: string, field: string): string {
  const trimmed = value.trim().replace(/\.$/, "");
  const ascii = domainToASCII(trimmed.toLowerCase());
  if (!ascii || ascii.length > 253) throw badInput(field, `${field} is not a valid DNS name`);
  const labels = ascii.split(".");
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) {
    throw badInput(field, `${field} is not a valid DNS name`);
  }
  return ascii;
}

/** True when name equals zone or lies below it. Both in ASCII form. */
export function isInZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

export function name(value: string, field: string, max = 200): string {
  const v = value.trim();
  if (v.length === 0 || v.length > max) throw badInput(field, `${field} must be 1-${max} characters`);
  return v;
}

export function size(value: number, field: string, max = 1_000_000): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw badInput(field, `${field} must be a whole number from 0 to ${max}`);
  }
  return value;
}

/** A five-field cron expression (minute hour day month weekday). */
export function cron(value: string, field: string): string {
  const v = value.trim().replace(/\s+/g, " ");
  if (v.split(" ").length !== 5) throw badInput(field, `${field} must be a cron expression with five fields`);
  try {
    CronExpressionParser.parse(v);
  } catch (e) {
    throw badInput(field, `${field} is not a valid cron expression: ${(e as Error).message}`);
  }
  return v;
}
