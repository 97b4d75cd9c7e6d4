import type { Adapter, AdapterPayload } from "oidc-provider";
import { errors } from "oidc-provider";
import type { DataSource } from "typeorm";
import type { ClientStore } from "../clients/client-store.js";
import { isStorableText } from "../../common/text.js";
import { sql } from "../../db/named-sql.js";

// Models whose consumption must happen once only: a second use revokes the whole grant.
const SINGLE_USE = new Set([
  "AuthorizationCode",
  "RefreshToken",
  "DeviceCode",
  "BackchannelAuthenticationRequest",
]);

const COLUMNS = `payload, consumed_at AS "consumedAt"`;
const LIVE = `(expires_at IS NULL OR expires_at > now())`;

type Row = { payload: AdapterPayload; consumedAt: Date | null };

const FIND_BY_ID = sql(
  "authn.oidc.findById",
  `SELECT ${COLUMNS} FROM oidc_payload WHERE kind = $1 AND id = $2 AND ${LIVE}`,
);
const FIND_BY_UID = sql(
  "authn.oidc.findByUid",
  `SELECT ${COLUMNS} FROM oidc_payload WHERE kind = $1 AND uid = $2 AND ${LIVE}`,
);
const FIND_BY_USER_CODE = sql(
  "authn.oidc.findByUserCode",
  `SELECT ${COLUMNS} FROM oidc_payload WHERE kind = $1 AND user_code = $2 AND ${LIVE}`,
);

const UPSERT = sql(
  "authn.oidc.upsert",
  `INSERT INTO oidc_payload (kind, id, payload, grant_id, uid, user_code, account_id, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $8::int IS NULL THEN NULL ELSE now() + make_interval(secs => $8::int) END)
       ON CONFLICT (kind, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
         uid = EXCLUDED.uid, user_code = EXCLUDED.user_code, account_id = EXCLUDED.account_id,
         expires_at = EXCLUDED.expires_at`,
);
const CONSUME = sql(
  "authn.oidc.consume",
  `UPDATE oidc_payload SET consumed_at = now() WHERE kind = $1 AND id = $2 AND consumed_at IS NULL`,
);
const GRANT_OF = sql(
  "authn.oidc.grantOf",
  `SELECT grant_id AS "grantId" FROM oidc_payload WHERE kind = $1 AND id = $2`,
);
const DESTROY = sql("authn.oidc.destroy", `DELETE FROM oidc_payload WHERE kind = $1 AND id = $2`);
const REVOKE_BY_GRANT_ID = sql(
  "authn.oidc.revokeByGrantId",
  `DELETE FROM oidc_payload WHERE kind = $1 AND grant_id = $2`,
);

/**
 * oidc-provider's storage in PostgreSQL: one table for every model, keyed by (kind, id). Expired rows are
 * never returned (and purged by purgeExpired). Clients come from oidc_client through the ClientStore.
 */
export class PostgresAdapter implements Adapter {
  constructor(
    private readonly ds: DataSource,
    private readonly kind: string,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    await this.ds.query(UPSERT, [
      this.kind,
      id,
      payload,
      payload.grantId ?? null,
      payload.uid ?? null,
      payload.userCode ?? null,
      payload.accountId ?? null,
      typeof expiresIn === "number" && expiresIn > 0 ? Math.ceil(expiresIn) : null,
    ]);
  }

  // Lookups take what clients send (tokens, codes, uids): text PostgreSQL cannot store matches nothing.
  async find(id: string): Promise<AdapterPayload | undefined> {
    return isStorableText(id) ? this.one(FIND_BY_ID, [this.kind, id]) : undefined;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return isStorableText(uid) ? this.one(FIND_BY_UID, [this.kind, uid]) : undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    if (!isStorableText(userCode)) return undefined;
    return this.one(FIND_BY_USER_CODE, [this.kind, userCode]);
  }

  /**
   * Marks a code or refresh token used. Atomic: of two parallel uses only one wins; the loser (a replay)
   * revokes the grant, as oidc-provider does for a replay it sees itself.
   */
  async consume(id: string): Promise<void> {
    // UPDATE answers [rows, count] through TypeORM.
    const [, count]: [unknown, number] = await this.ds.query(CONSUME, [this.kind, id]);
    if (count === 0 && SINGLE_USE.has(this.kind)) {
      const [row] = await this.ds.query(GRANT_OF, [this.kind, id]);
      if (row?.grantId) await revokeGrant(this.ds, row.grantId);
      throw new errors.InvalidGrant(
        `${this.kind === "RefreshToken" ? "refresh token" : "grant"} already used`,
      );
    }
  }

  async destroy(id: string): Promise<void> {
    await this.ds.query(DESTROY, [this.kind, id]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.ds.query(REVOKE_BY_GRANT_ID, [this.kind, grantId]);
  }

  private async one(statement: string, params: unknown[]): Promise<AdapterPayload | undefined> {
    const [row]: Row[] = await this.ds.query(statement, params);
    if (!row) return undefined;
    return row.consumedAt
      ? { ...row.payload, consumed: Math.floor(row.consumedAt.getTime() / 1000) }
      : row.payload;
  }
}

const REVOKE_GRANT = sql(
  "authn.oidc.revokeGrant",
  `DELETE FROM oidc_payload WHERE grant_id = $1 OR (kind = 'Grant' AND id = $1)`,
);

/** Deletes a grant and everything issued under it (codes, refresh tokens, opaque access tokens). */
export async function revokeGrant(ds: DataSource, grantId: string): Promise<void> {
  await ds.query(REVOKE_GRANT, [grantId]);
}

const PURGE_EXPIRED = sql(
  "authn.oidc.purgeExpired",
  `DELETE FROM oidc_payload WHERE ctid IN (
         SELECT ctid FROM oidc_payload WHERE expires_at < now() LIMIT $1)`,
);

/** Deletes expired rows in batches, so a large backlog never holds long locks. */
export async function purgeExpired(ds: DataSource, batch = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const res = await ds.query(PURGE_EXPIRED, [batch]);
    const n = Number((res as [unknown, number])[1] ?? 0);
    total += n;
    if (n < batch) return total;
  }
}

/** The adapter factory oidc-provider calls once per model name. */
export function adapterFactory(ds: DataSource, clients: ClientStore) {
  return (name: string): Adapter => (name === "Client" ? clients.adapter() : new PostgresAdapter(ds, name));
}
