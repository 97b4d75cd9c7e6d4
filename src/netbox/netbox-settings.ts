// The settings side of a NetBox connection: input checks, the audit diff, and the API's view of a row.
import { X509Certificate } from "node:crypto";
import { badInput } from "../common/errors.js";
import { toGlobalId } from "../common/global-id.js";
import { isoTime } from "../db/sql.js";
import type { NetboxKind } from "./kinds.js";
import { tokenFormat } from "./netbox-client.js";
import type { NetboxKindValue } from "./netbox.types.js";
import type { NetboxConnection } from "./connection.types.js";

/** A connection row as stored (secrets sealed). */
export type StoredConnection = {
  url: string;
  tokenSealed: string;
  tokenHint: string;
  tokenFormat: "v1" | "v2";
  tlsVerify: boolean;
  caCertificate: string | null;
  kinds: string[];
  matchTenantsBySlug: boolean;
  webhookSecretSealed: string | null;
  scheduleEnabled: boolean;
  incrementalIntervalSeconds: number;
  fullIntervalSeconds: number;
};

export const CONNECTION_COLUMNS = `c.provider_id AS "providerUuid", c.url, c.token_format AS "tokenFormat",
  c.token_hint AS "tokenHint", c.tls_verify AS "tlsVerify", c.ca_certificate AS "caCertificate", c.kinds,
  c.match_tenants_by_slug AS "matchTenantsBySlug", c.webhook_secret_sealed IS NOT NULL AS "webhookConfigured",
  c.schedule_enabled AS "scheduleEnabled", c.incremental_interval_seconds AS "incrementalIntervalSeconds",
  c.full_interval_seconds AS "fullIntervalSeconds", c.last_change_id AS watermark,
  ${isoTime("c.last_change_time")} AS "watermarkTime", c.netbox_version AS "netboxVersion",
  ${isoTime("c.created_at")} AS "createdAt", ${isoTime("c.updated_at")} AS "updatedAt", p.slug AS "providerSlug"`;

export function validUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw badInput("input.url", "url is not a URL");
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") throw badInput("input.url", "url must be http(s)");
  if (u.username || u.password) throw badInput("input.url", "url must not carry credentials; use token");
  if (u.search || u.hash) throw badInput("input.url", "url must not have a query or fragment");
  return u.toString().replace(/\/+$/, "");
}

export function validToken(raw: string): string {
  const t = raw.trim();
  if (tokenFormat(t) === "v2") {
    if (!/^nbt_[A-Za-z0-9]+\.[A-Za-z0-9]+$/.test(t))
      throw badInput("input.token", "a v2 token looks like nbt_<key>.<secret>");
  } else if (!/^[A-Za-z0-9]{8,256}$/.test(t)) {
    throw badInput("input.token", "a v1 token is letters and digits (40 of them)");
  }
  return t;
}

export function validKinds(kinds: NetboxKindValue[]): NetboxKind[] {
  const set = [...new Set(kinds as unknown as NetboxKind[])];
  if (set.length === 0) throw badInput("input.kinds", "mirror at least one kind");
  return set;
}

/** PEM certificate(s); "" removes them. */
export function validCa(pem: string): string | null {
  if (pem.trim() === "") return null;
  try {
    new X509Certificate(pem);
  } catch {
    throw badInput("input.caCertificate", "caCertificate is not a PEM certificate");
  }
  return pem.trim();
}

export function connectionChanges(before: StoredConnection | undefined, after: StoredConnection) {
  const out: Record<string, { before: unknown; after: unknown }> = {};
  const secret = new Set(["tokenSealed", "webhookSecretSealed"]);
  for (const key of Object.keys(after) as (keyof StoredConnection)[]) {
    const b = before?.[key] ?? null;
    const a = after[key];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    if (key === "tokenHint" || key === "tokenFormat") continue;
    out[secret.has(key) ? key.replace("Sealed", "") : key] = secret.has(key)
      ? { before: b === null ? null : "[secret]", after: a === null ? null : "[changed]" }
      : { before: b, after: a };
  }
  return out;
}

type ConnectionRow = Omit<NetboxConnection, "providerId" | "webhookPath" | "schedule"> & {
  providerSlug: string;
  scheduleEnabled: boolean;
  incrementalIntervalSeconds: number;
  fullIntervalSeconds: number;
};

export function toConnectionView(row: Record<string, unknown>): NetboxConnection {
  const { providerSlug, scheduleEnabled, incrementalIntervalSeconds, fullIntervalSeconds, ...r } =
    row as ConnectionRow;
  return {
    ...r,
    providerId: toGlobalId("Provider", r.providerUuid),
    webhookPath: `/webhooks/netbox/${providerSlug}`,
    schedule: { enabled: scheduleEnabled, incrementalIntervalSeconds, fullIntervalSeconds },
  };
}
