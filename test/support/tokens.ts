import { randomUUID } from "node:crypto";
import { importJWK, type JWK, SignJWT } from "jose";
import type { DataSource } from "typeorm";
import { authnSecretBox } from "../../src/authn/keys/secret-box.js";

/** The key-encryption secret every test server uses, so tests can sign tokens with the server's keys. */
export const TEST_ENCRYPTION_KEY = "fedicentral-test-encryption-key-0123456789";

export type MintOptions = {
  kind: "user" | "client";
  id: string;
  name?: string;
  scope?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  audience?: string;
  issuer?: string;
  /** Which key signs: the active one of the algorithm (default), or a given kid. */
  kid?: string;
  alg?: "ES256" | "RS256";
  clientId?: string;
  sa?: { id: string; role: string; operatorId: string | null; providerId: string | null };
};

/**
 * An access token signed with the server's own key, as oidc-provider would issue it: for tests that
 * need many principals without a user or client row, and for crafting refused tokens.
 */
export async function mintAccessToken(ds: DataSource, publicUrl: string, o: MintOptions): Promise<string> {
  const alg = o.alg ?? "ES256";
  const [row] = await ds.query(
    `SELECT kid, private_jwk_sealed AS sealed FROM signing_key
     WHERE ${o.kid ? "kid = $1" : "alg = $1 AND retired_at IS NULL"} ORDER BY created_at DESC LIMIT 1`,
    [o.kid ?? alg],
  );
  if (!row) throw new Error(`no signing key ${o.kid ?? alg}`);
  const jwk = JSON.parse(
    authnSecretBox(TEST_ENCRYPTION_KEY).open(row.sealed, `signing_key:${row.kid}`).toString(),
  ) as JWK;
  const now = Math.floor(Date.now() / 1000);
  const exp = now + (o.expiresIn ?? 300);
  return new SignJWT({
    scope: o.scope ?? "api",
    client_id: o.clientId ?? "test",
    fc: { kind: o.kind, id: o.id, name: o.name ?? o.id, ...(o.sa ? { sa: o.sa } : {}) },
  })
    .setProtectedHeader({ alg, typ: "at+jwt", kid: row.kid })
    .setIssuer(o.issuer ?? `${publicUrl}/oidc`)
    .setAudience(o.audience ?? `${publicUrl}/graphql`)
    .setSubject(o.id)
    .setJti(randomUUID())
    .setIssuedAt(Math.min(now, exp - 60))
    .setExpirationTime(exp)
    .sign(await importJWK(jwk, alg));
}
