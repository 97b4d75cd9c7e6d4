import type { Db } from "../db/db.js";
import { type NetboxKind, isNetboxKind } from "./kinds.js";
import { NetboxClient, type NetboxClientOptions } from "./netbox-client.js";
import type { NetboxConfig } from "./netbox-config.js";
import type { SecretBox } from "../common/secret-box.js";
import type { Watermark } from "./sync-engine.js";
import { sql } from "../db/named-sql.js";

/** A problem with the stored connection itself (missing, undecryptable). */
export class SyncSetupError extends Error {}

/** The associated data of a sealed secret: its table, column and row. */
export const sealContext = (field: "token" | "webhook_secret", providerId: string) =>
  `netbox_connection.${field}:${providerId}`;

export type ClientSettings = { url: string; token: string; tlsVerify: boolean; caCertificate: string | null };

export function clientFor(
  settings: ClientSettings,
  config: Pick<NetboxConfig, "timeoutMs" | "retries" | "backoffMs">,
  extra: Partial<NetboxClientOptions> = {},
): NetboxClient {
  const tls =
    !settings.tlsVerify || settings.caCertificate
      ? { rejectUnauthorized: settings.tlsVerify, ca: settings.caCertificate ?? undefined }
      : undefined;
  return new NetboxClient({
    url: settings.url,
    token: settings.token,
    timeoutMs: config.timeoutMs,
    retries: config.retries,
    backoff: { baseMs: config.backoffMs, maxMs: Math.max(config.backoffMs, 30_000) },
    tls,
    ...extra,
  });
}

export type OpenConnection = { client: NetboxClient; kinds: NetboxKind[]; watermark: Watermark | null };

const FOR_CLIENT = sql(
  "netbox.connection.forClient",
  `SELECT url, token_sealed AS "tokenSealed", tls_verify AS "tlsVerify", ca_certificate AS "caCertificate",
            kinds, last_change_id AS "lastChangeId", last_change_time AS "lastChangeTime"
       FROM netbox_connection WHERE provider_id = $1`,
);

/** The stored connection with its token unsealed, ready to sync. */
export async function openConnection(
  db: Db,
  config: NetboxConfig,
  providerId: string,
): Promise<OpenConnection> {
  const [row] = await db.query<{
    url: string;
    tokenSealed: string;
    tlsVerify: boolean;
    caCertificate: string | null;
    kinds: string[];
    lastChangeId: string | null;
    lastChangeTime: Date | null;
  }>(FOR_CLIENT, [providerId]);
  if (!row) throw new SyncSetupError("the provider has no NetBox connection");
  const token = unseal(config.secretBox, row.tokenSealed, sealContext("token", providerId));
  return {
    client: clientFor({ ...row, token }, config),
    kinds: row.kinds.filter(isNetboxKind),
    watermark:
      row.lastChangeId === null
        ? null
        : { id: Number(row.lastChangeId), time: row.lastChangeTime?.toISOString() ?? null },
  };
}

export function unseal(box: SecretBox | null, sealed: string, context: string): string {
  if (!box) throw new SyncSetupError("NETBOX_SECRET_KEY is not set: the stored NetBox token cannot be read");
  try {
    return box.openText(sealed, context);
  } catch (e) {
    throw new SyncSetupError(`cannot read the stored NetBox token: ${(e as Error).message}`);
  }
}
