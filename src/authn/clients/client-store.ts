import type { Adapter, AdapterPayload, ClientMetadata } from "oidc-provider";
import type { DataSource } from "typeorm";
import type { AcceptedDigest } from "./client-secrets.js";
import { isStorableText } from "../../common/text.js";
import { sql } from "../../db/named-sql.js";

/** The scope every API token carries; /graphql refuses tokens without it. */
export const API_SCOPE = "api";
export const USER_SCOPES = ["openid", "profile", "email", "offline_access", API_SCOPE];

/** What /graphql learns about a service account from its token, put there at issuance. */
export type ServiceAccountClaims = {
  id: string;
  role: string;
  operatorId: string | null;
  providerId: string | null;
};

export type ClientRow = {
  id: string;
  clientId: string;
  kind: "service_account" | "public";
  name: string;
  role: string | null;
  operatorId: string | null;
  providerId: string | null;
  secretDigest: string | null;
  previousSecretDigest: string | null;
  previousSecretExpiresAt: Date | null;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
};

export const CLIENT_ROW_COLUMNS = `id, client_id AS "clientId", kind, name, role, operator_id AS "operatorId",
  provider_id AS "providerId", secret_digest AS "secretDigest", previous_secret_digest AS "previousSecretDigest",
  previous_secret_expires_at AS "previousSecretExpiresAt", redirect_uris AS "redirectUris",
  post_logout_redirect_uris AS "postLogoutRedirectUris"`;

/** Our own metadata, carried on oidc-provider's Client objects (camel-cased there). */
export const EXTRA_CLIENT_METADATA = ["fc_service_account", "fc_secret_digests"];

/** Told to every process when a client changes (created, rotated, disabled, deleted); payload: client_id. */
export const CLIENTS_CHANGED_CHANNEL = "fedicentral_clients";

// Every token request looks its client up: keep them in process, forgotten when told of a change.
const CACHE_MS = 30_000;
const CACHE_MAX = 10_000;

const BY_CLIENT_ID = sql(
  "authn.client.byClientId",
  `SELECT ${CLIENT_ROW_COLUMNS} FROM oidc_client WHERE client_id = $1 AND NOT disabled`,
);

/**
 * oidc-provider reads clients through this: enabled rows of oidc_client, as client metadata. The stored
 * secret is a digest, so `client_secret` holds the digest and compareClientSecret (provider.ts) hashes
 * the presented secret before comparing.
 */
export class ClientStore {
  private readonly cache = new Map<string, { metadata: ClientMetadata | undefined; until: number }>();
  private readonly builtIn = new Map<string, ClientMetadata>();

  constructor(private readonly ds: DataSource) {}

  /** A client the server itself brings (the GraphQL explorer's), found before any row. */
  addBuiltIn(metadata: ClientMetadata): void {
    this.builtIn.set(metadata.client_id, metadata);
  }

  async find(clientId: string): Promise<ClientMetadata | undefined> {
    const builtIn = this.builtIn.get(clientId);
    if (builtIn) return builtIn;
    // A client id PostgreSQL cannot store names no client.
    if (!isStorableText(clientId)) return undefined;
    const hit = this.cache.get(clientId);
    if (hit && hit.until > Date.now()) return hit.metadata;
    const [row]: ClientRow[] = await this.ds.query(BY_CLIENT_ID, [clientId]);
    const metadata = row ? toMetadata(row) : undefined;
    // Unknown ids are remembered too (a flood of them costs one query each per CACHE_MS), within a bound.
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(clientId, { metadata, until: Date.now() + CACHE_MS });
    return metadata;
  }

  /** Forgets one client (or all, after a lost notification connection). */
  invalidate(clientId?: string): void {
    if (clientId) this.cache.delete(clientId);
    else this.cache.clear();
  }

  adapter(): Adapter {
    const readOnly = async () => {
      throw new Error("clients are managed by fedicentral, not through OIDC registration");
    };
    return {
      find: (id: string) => this.find(id) as Promise<AdapterPayload | undefined>,
      upsert: readOnly,
      findByUid: readOnly,
      findByUserCode: readOnly,
      consume: readOnly,
      destroy: readOnly,
      revokeByGrantId: readOnly,
    };
  }
}

export function toMetadata(row: ClientRow): ClientMetadata {
  if (row.kind === "public") {
    return {
      client_id: row.clientId,
      client_name: row.name,
      application_type: "web",
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      redirect_uris: row.redirectUris,
      post_logout_redirect_uris: row.postLogoutRedirectUris,
      scope: USER_SCOPES.join(" "),
      id_token_signed_response_alg: "ES256",
    };
  }
  const digests: AcceptedDigest[] = [{ digest: row.secretDigest!, until: null }];
  if (row.previousSecretDigest && row.previousSecretExpiresAt) {
    digests.push({
      digest: row.previousSecretDigest,
      until: Math.floor(row.previousSecretExpiresAt.getTime() / 1000),
    });
  }
  const sa: ServiceAccountClaims = {
    id: row.id,
    role: row.role!,
    operatorId: row.operatorId,
    providerId: row.providerId,
  };
  return {
    client_id: row.clientId,
    client_name: row.name,
    // Never the secret: the digest, which oidc-provider requires to be present for secret-based auth.
    client_secret: row.secretDigest!,
    token_endpoint_auth_method: "client_secret_basic",
    grant_types: ["client_credentials"],
    response_types: [],
    redirect_uris: [],
    scope: API_SCOPE,
    fc_service_account: sa,
    fc_secret_digests: digests,
  };
}

// oidc-provider keeps our extra metadata on its Client objects under the names we gave.
type WithExtras = { fc_service_account?: ServiceAccountClaims; fc_secret_digests?: AcceptedDigest[] };

export const serviceAccountOf = (client: unknown): ServiceAccountClaims | undefined =>
  (client as WithExtras | undefined)?.fc_service_account;

export const secretDigestsOf = (client: unknown): AcceptedDigest[] =>
  (client as WithExtras | undefined)?.fc_secret_digests ?? [];
