// Token authentication as in README.md, "The NetBox contract" §2 (DRF TokenAuthentication ≤4.4).
import { randomBytes } from "node:crypto";

import type { FakeKind, FakePermissionKind } from "./model.js";

export interface FakeTokenSpec {
  /** What follows the keyword: 40 chars (v1) or `nbt_<12-char key>.<40-char secret>` (v2, 4.5+). */
  token: string;
  /** Model view permissions; "*" for all (default). `object-changes` is core.view_objectchange. */
  permissions?: "*" | readonly FakePermissionKind[];
  /** Defaults to true, as in NetBox. */
  writeEnabled?: boolean;
  /** 4.5+: a disabled token fails with "Token disabled". */
  enabled?: boolean;
  expires?: string | Date | null;
  userActive?: boolean;
  /** Exact source IPs or IPv4 CIDRs allowed to use the token. */
  allowedIps?: readonly string[];
  username?: string;
  userId?: number;
  /** ObjectPermission constraints: hidden rows are missing from lists and 404 on detail. */
  constraints?: Partial<Record<FakePermissionKind, (row: never) => boolean>>;
}

export interface ResolvedToken extends FakeTokenSpec {
  format: "v1" | "v2";
  key?: string;
  secret: string;
  username: string;
  userId: number;
}

export type AuthOutcome =
  { kind: "ok"; token: ResolvedToken } | { kind: "anonymous" } | { kind: "fail"; detail: string };

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const randomAlnum = (n: number) => [...randomBytes(n)].map((b) => ALNUM[b % ALNUM.length]).join("");

/** A v1 plaintext: lowercase hex (≤4.4 generate_key), valid on every version. */
export const makeV1Token = (): string => randomBytes(20).toString("hex");
/** A v2 token as sent after `Bearer`: `nbt_<key>.<secret>`. */
export const makeV2Token = (): string => `nbt_${randomAlnum(12)}.${randomAlnum(40)}`;

export function resolveTokens(specs: readonly (string | FakeTokenSpec)[], minor: number): ResolvedToken[] {
  return specs.map((s, i) => {
    const spec = typeof s === "string" ? { token: s } : s;
    const base = { ...spec, username: spec.username ?? `user${i + 1}`, userId: spec.userId ?? i + 1 };
    if (spec.token.startsWith("nbt_")) {
      const m = /^nbt_([A-Za-z0-9]{12})\.([A-Za-z0-9]{40})$/.exec(spec.token);
      if (!m) throw new Error(`fake NetBox: malformed v2 token ${spec.token}`);
      if (minor < 5) throw new Error("fake NetBox: v2 tokens exist only in NetBox 4.5+");
      return { ...base, format: "v2", key: m[1], secret: m[2]! };
    }
    const re = minor < 5 ? /^[0-9a-f]{40}$/ : /^[A-Za-z0-9]{40}$/;
    if (!re.test(spec.token))
      throw new Error(`fake NetBox: malformed v1 token for 4.${minor}: ${spec.token}`);
    return { ...base, format: "v1", secret: spec.token };
  });
}

const BAD_HEADER_45 =
  'Invalid authorization header: Must be in the form "Bearer <key>.<token>" or "Token <token>"';
const NO_V2_KEY =
  "Invalid authorization header: Could not parse key from v2 token. Did you mean to use 'Token' instead of 'Bearer'?";

export function authenticate(
  header: string | undefined,
  tokens: readonly ResolvedToken[],
  minor: number,
  remoteIp: string,
): AuthOutcome {
  if (!header) return { kind: "anonymous" };
  const words = header.trim().split(/\s+/);
  const keyword = (words[0] ?? "").toLowerCase();
  let token: ResolvedToken | undefined;

  if (minor < 5) {
    // DRF TokenAuthentication: only the `Token` keyword; anything else is not this scheme.
    if (keyword !== "token") return { kind: "anonymous" };
    if (words.length === 1) return { kind: "fail", detail: "Invalid token header. No credentials provided." };
    if (words.length > 2) {
      return { kind: "fail", detail: "Invalid token header. Token string should not contain spaces." };
    }
    token = tokens.find((t) => t.format === "v1" && t.secret === words[1]);
    if (!token) return { kind: "fail", detail: "Invalid token" };
  } else {
    if (keyword !== "token" && keyword !== "bearer") return { kind: "anonymous" };
    if (words.length !== 2) return { kind: "fail", detail: BAD_HEADER_45 };
    const value = words[1]!;
    // The version comes from the nbt_ prefix, not from the keyword.
    if (value.startsWith("nbt_")) {
      const dot = value.indexOf(".");
      if (dot < 0) return { kind: "fail", detail: NO_V2_KEY };
      const key = value.slice(4, dot);
      const secret = value.slice(dot + 1);
      token = tokens.find((t) => t.format === "v2" && t.key === key && t.secret === secret);
      if (!token) return { kind: "fail", detail: "Invalid v2 token" };
    } else {
      token = tokens.find((t) => t.format === "v1" && t.secret === value);
      if (!token) return { kind: "fail", detail: "Invalid v1 token" };
    }
    if (token.enabled === false) return { kind: "fail", detail: "Token disabled" };
  }

  if (token.expires && new Date(token.expires).getTime() <= Date.now()) {
    return { kind: "fail", detail: "Token expired" };
  }
  if (token.userActive === false) return { kind: "fail", detail: "User inactive" };
  if (token.allowedIps?.length) {
    const ip = remoteIp.replace(/^::ffff:/, "");
    if (!token.allowedIps.some((allowed) => ipMatches(ip, allowed))) {
      return { kind: "fail", detail: `Source IP ${ip} is not permitted to authenticate using this token.` };
    }
  }
  return { kind: "ok", token };
}

function ipMatches(ip: string, allowed: string): boolean {
  const [net, bitsRaw] = allowed.split("/");
  if (bitsRaw === undefined) return ip === net;
  const toInt = (s: string) => s.split(".").reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return false;
  const bits = Number(bitsRaw);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (toInt(ip) & mask) === (toInt(net!) & mask);
}

export function canView(token: ResolvedToken, kind: FakePermissionKind): boolean {
  const p = token.permissions ?? "*";
  return p === "*" || p.includes(kind);
}

export function constraintOf(
  token: ResolvedToken,
  kind: FakeKind | "object-changes",
): ((row: never) => boolean) | undefined {
  return token.constraints?.[kind];
}
