/** Who makes a request. Authentication fills it from a verified access token; null means anonymous. */
export type Principal = {
  kind: "user" | "client";
  /** The user's id, or the service account's id (oidc_client.id), both UUIDs. */
  id: string;
  /** Display name of the user or service account, as of the token's issuance. */
  name: string;
  /** The OAuth client the token was issued to (for a service account, its own client_id). */
  clientId?: string;
  /** Scopes granted to the token. */
  scopes?: string[];
  /** For service accounts: the role they hold and the operator or provider they are bound to. */
  role?: string;
  operatorId?: string | null;
  providerId?: string | null;
  /** The token's own id and expiry (epoch seconds), for accounting and revocation checks. */
  tokenId?: string;
  expiresAt?: number;
  /** When the token was issued (epoch ms) and the grant it came from: what token cutoffs compare. */
  issuedAtMs?: number;
  grantId?: string;
};
