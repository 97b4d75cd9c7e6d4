import type { JWK } from "jose";
import Provider, { errors, type Account, type Configuration, type KoaContextWithOIDC } from "oidc-provider";
import type { DataSource } from "typeorm";
import type { Verdict, RateLimit } from "../../limits/rate-limit.js";
import { rateLimitHeaders, retryAfter } from "../../limits/rate-limit-headers.js";
import type { Logger } from "../../logger.js";
import type { UserService } from "../accounts/user.service.js";
import type { AuthnConfig } from "../authn-config.js";
import type { FedicentralClaims } from "../bearer.js";
import {
  API_SCOPE,
  type ClientStore,
  EXTRA_CLIENT_METADATA,
  USER_SCOPES,
  secretDigestsOf,
  serviceAccountOf,
} from "../clients/client-store.js";
import { secretMatches } from "../clients/client-secrets.js";
import { PAGE_HEADERS } from "../pages/html.js";
import { logoutPage, messagePage } from "../pages/views.js";
import { adapterFactory } from "./adapter.js";
import { recordIssuance } from "./issuance-events.js";
import { sql } from "../../db/named-sql.js";

export type ProviderOptions = {
  issuer: string;
  /** The API resource: audience of its access tokens. */
  apiAudience: string;
  /** Behind a TLS-terminating proxy: trust X-Forwarded-* for the request's own URL. */
  proxy: boolean;
  secureCookies: boolean;
  config: AuthnConfig;
  ds: DataSource;
  clients: ClientStore;
  users: UserService;
  jwks: { keys: JWK[] };
  cookieKeys: string[];
  dpopNonceSecret: Buffer;
  /** Wrong secrets per client_id; null: not limited. */
  clientFailures: RateLimit | null;
  log: Logger;
};

// Codes live a minute, interactions ten; grants as long as the refresh tokens they back.
const CODE_TTL = 60;
const INTERACTION_TTL = 600;
const ID_TOKEN_TTL = 3600;

/** The embedded OpenID Connect provider, with all its state in PostgreSQL. */
export function createProvider(o: ProviderOptions): Provider {
  const { config } = o;
  const cookie = { httpOnly: true, sameSite: "lax" as const, secure: o.secureCookies, signed: true };
  const configuration: Configuration = {
    adapter: adapterFactory(o.ds, o.clients),
    jwks: o.jwks as Configuration["jwks"],
    cookies: {
      keys: o.cookieKeys,
      names: { session: "fc_session", interaction: "fc_interaction", resume: "fc_resume" },
      long: cookie,
      short: cookie,
    },
    claims: { openid: ["sub"], profile: ["name", "updated_at"], email: ["email", "email_verified"] },
    scopes: USER_SCOPES,
    responseTypes: ["code"],
    clientAuthMethods: ["client_secret_basic", "client_secret_post", "none"],
    pkce: { required: () => true },
    // Every use of a refresh token rotates it, so a replayed one is detected and revokes the grant.
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed("refresh_token") && code.scopes.has("offline_access"),
    extraClientMetadata: { properties: EXTRA_CLIENT_METADATA },
    findAccount: async (_ctx, sub) => accountOf(o.users, sub),
    extraTokenClaims: async (ctx, token) => ({ fc: await principalClaims(ctx, token, o.users) }),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: config.accessTokenTtl,
      ClientCredentials: config.accessTokenTtl,
      AuthorizationCode: CODE_TTL,
      IdToken: ID_TOKEN_TTL,
      Interaction: INTERACTION_TTL,
      Session: config.sessionTtl,
      Grant: config.refreshTokenTtl,
      // A rotated refresh token inherits what is left of its predecessor's lifetime: sign-in is renewed
      // at least every refreshTokenTtl, however active the client.
      RefreshToken: (ctx) => ctx?.oidc?.entities.RotatedRefreshToken?.remainingTTL ?? config.refreshTokenTtl,
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // A client may introspect and revoke only what was issued to it.
      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: true },
      dPoP: { enabled: true, nonceSecret: o.dpopNonceSecret, requireNonce: () => false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.set(PAGE_HEADERS);
          ctx.body = logoutPage(form, ctx.oidc.client?.clientName);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.set(PAGE_HEADERS);
          ctx.body = messagePage("Signed out", "You are signed out of fedicentral.");
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => o.apiAudience,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource) => {
          if (resource !== o.apiAudience) throw new errors.InvalidTarget();
          return {
            scope: API_SCOPE,
            audience: o.apiAudience,
            accessTokenTTL: config.accessTokenTtl,
            accessTokenFormat: "jwt",
            jwt: { sign: { alg: "ES256" } },
          };
        },
      },
    },
    renderError: async (ctx, out) => {
      ctx.set(PAGE_HEADERS);
      ctx.body = messagePage(
        "Something went wrong",
        `${out.error}${out.error_description ? `: ${out.error_description}` : ""}`,
      );
    },
  };
  const provider = new Provider(o.issuer, configuration);
  provider.proxy = o.proxy;

  // Secrets are stored as SHA-256 digests: hash what the client presents, then compare in constant time.
  // A client past its allowed failures is refused before its secret is looked at, even the right one.
  const failures = o.clientFailures;
  provider.Client.prototype.compareClientSecret = async function compare(actual) {
    if (failures) {
      const standing = await failures.peek(this.clientId);
      if (!standing.allowed) throw clientLimited(standing);
    }
    const matches = secretMatches(actual, secretDigestsOf(this), Math.floor(Date.now() / 1000));
    if (!matches && failures) await failures.count(this.clientId);
    return matches;
  };

  // oidc-provider checks then saves a proof's jti; one INSERT makes that atomic across requests and replicas.
  Object.defineProperty(provider.ReplayDetection, "unique", {
    value: async (iss: string, jti: string, exp: number) => replayUnique(o.ds, iss, jti, exp),
  });

  provider.use(recordIssuance(o.ds, o.log));
  provider.on("server_error", (ctx, err) => o.log.error({ err, path: ctx.path }, "oidc provider error"));
  return provider;
}

/** 429 in oidc-provider's own error shape, with the RateLimit headers on the request being handled. */
function clientLimited(v: Verdict): errors.CustomOIDCProviderError {
  Provider.ctx?.set(rateLimitHeaders([v]));
  const e = new errors.CustomOIDCProviderError(
    "temporarily_unavailable",
    `too many failed client authentications: retry after ${retryAfter([v])} s`,
  );
  e.status = e.statusCode = 429;
  return e;
}

const REPLAY_ONCE = sql(
  "authn.oidc.replayOnce",
  `INSERT INTO oidc_payload (kind, id, payload, expires_at) VALUES ('ReplayDetection', $1, '{}', to_timestamp($2))
     ON CONFLICT (kind, id) DO NOTHING RETURNING 1`,
);

async function replayUnique(ds: DataSource, iss: string, jti: string, exp: number): Promise<boolean> {
  const { createHash } = await import("node:crypto");
  const id = createHash("sha256").update(`${iss}${jti}`).digest("base64url");
  const rows: unknown[] = await ds.query(REPLAY_ONCE, [id, exp]);
  return rows.length === 1;
}

async function accountOf(users: UserService, sub: string): Promise<Account | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(sub)) return undefined;
  const user = await users.byId(sub);
  // A disabled user's refresh tokens stop working: oidc-provider refuses grants of unknown accounts.
  if (!user || user.disabled) return undefined;
  return {
    accountId: user.uuid,
    displayName: user.displayName,
    claims: async () => ({
      sub: user.uuid,
      name: user.displayName,
      email: user.email,
      email_verified: false,
      updated_at: Math.floor(new Date(user.updatedAt).getTime() / 1000),
    }),
  };
}

/** Who the token speaks for, written into API access tokens so /graphql needs no lookup. */
async function principalClaims(
  ctx: KoaContextWithOIDC,
  token: { kind: string; accountId?: string; grantId?: string },
  users: UserService,
): Promise<FedicentralClaims | undefined> {
  const client = ctx.oidc.client;
  const at = Date.now();
  if (token.kind === "ClientCredentials") {
    const sa = serviceAccountOf(client);
    if (!sa || !client) return undefined;
    return { kind: "client", id: sa.id, name: client.clientName ?? client.clientId, sa, at };
  }
  if (!token.accountId) return undefined;
  const loaded = ctx.oidc.account as (Account & { displayName?: string }) | undefined;
  const name =
    loaded?.accountId === token.accountId
      ? loaded.displayName
      : (await users.byId(token.accountId))?.displayName;
  return { kind: "user", id: token.accountId, name: name ?? "", at, gid: token.grantId };
}
