import type { EntityManager } from "typeorm";
import { clientKey, cutOffTokens, grantKey, subjectKey } from "../tokens/token-cutoffs.js";
import { sql } from "../../db/named-sql.js";

/** A signed-in browser session of a user at the provider, with the clients it authorized. */
export type SessionRow = {
  id: string;
  accountId: string;
  signedInAt: Date;
  expiresAt: Date | null;
  clientIds: string[];
};

type Q = Pick<EntityManager, "query">;

const OF_ACCOUNT = sql(
  "authn.session.ofAccount",
  `SELECT id, payload, expires_at AS "expiresAt" FROM oidc_payload
       WHERE kind = 'Session' AND account_id = $1 AND (expires_at IS NULL OR expires_at > now())
       ORDER BY created_at DESC`,
);

/** Live sessions of a user, newest first. */
export async function sessionsOf(db: Q, accountId: string): Promise<SessionRow[]> {
  const rows: {
    id: string;
    payload: { loginTs?: number; authorizations?: object };
    expiresAt: Date | null;
  }[] = await db.query(OF_ACCOUNT, [accountId]);
  return rows.map((r) => ({
    id: r.id,
    accountId,
    signedInAt: new Date((r.payload.loginTs ?? 0) * 1000),
    expiresAt: r.expiresAt,
    clientIds: Object.keys(r.payload.authorizations ?? {}),
  }));
}

const SESSION_DELETE = sql(
  "authn.session.delete",
  `DELETE FROM oidc_payload WHERE kind = 'Session' AND id = $1
       RETURNING account_id AS "accountId", payload->'authorizations' AS authorizations`,
);
const DELETE_GRANTS = sql(
  "authn.session.deleteGrants",
  `DELETE FROM oidc_payload WHERE grant_id = ANY($1) OR (kind = 'Grant' AND id = ANY($1))`,
);

/**
 * Ends one session: the session row, and every grant it authorized (with their refresh tokens and
 * codes). Returns the session's account, or null when there was no such session.
 */
export async function endSession(db: Q, sessionId: string): Promise<string | null> {
  // DELETE answers [rows, count] through TypeORM.
  const [rows]: [
    { accountId: string; authorizations: Record<string, { grantId?: string }> | null }[],
    number,
  ] = await db.query(SESSION_DELETE, [sessionId]);
  const deleted = rows[0];
  if (!deleted) return null;
  const grantIds = Object.values(deleted.authorizations ?? {})
    .map((a) => a.grantId)
    .filter((g): g is string => !!g);
  if (grantIds.length) {
    await db.query(DELETE_GRANTS, [grantIds]);
    // The access tokens of those grants too: JWTs cannot be deleted, so they are cut off.
    await cutOffTokens(db, grantIds.map(grantKey));
  }
  return deleted.accountId;
}

const DELETE_ACCOUNT_STATE = sql(
  "authn.session.deleteAccountState",
  `DELETE FROM oidc_payload WHERE account_id = $1
        OR grant_id IN (SELECT id FROM oidc_payload WHERE kind = 'Grant' AND account_id = $1)`,
);

/** Everything a user holds at the provider: sessions, grants, codes, refresh and access tokens. */
export async function revokeAccountState(db: Q, accountId: string): Promise<void> {
  await cutOffTokens(db, [subjectKey("user", accountId)]);
  await db.query(DELETE_ACCOUNT_STATE, [accountId]);
}

const DELETE_CLIENT_STATE = sql(
  "authn.session.deleteClientState",
  `DELETE FROM oidc_payload WHERE kind <> 'Session' AND payload->>'clientId' = $1`,
);

/** Everything issued to a client: grants, codes, refresh and access tokens (its sessions' entries become void). */
export async function revokeClientState(db: Q, clientId: string): Promise<void> {
  await cutOffTokens(db, [clientKey(clientId)]);
  await db.query(DELETE_CLIENT_STATE, [clientId]);
}
