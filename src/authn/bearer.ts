import { createHash } from "node:crypto";
import { EmbeddedJWK, calculateJwkThumbprint, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import type { DataSource } from "typeorm";
import { API_SCOPE, type ServiceAccountClaims } from "./clients/client-store.js";
import type { KeyRing } from "./keys/key-ring.js";
import type { Principal } from "../common/principal.js";
import { type TokenCutoffs, keysOf } from "./tokens/token-cutoffs.js";
import { sql } from "../db/named-sql.js";

export const REALM = "fedicentral";
export const TOKEN_ALGS = ["ES256", "RS256"];
export const DPOP_ALGS = ["ES256", "ES384", "PS256", "RS256", "EdDSA"];
/** How old a DPoP proof may be (and how long its jti is remembered). */
const DPOP_WINDOW_SECONDS = 60;
const CLOCK_TOLERANCE_SECONDS = 5;
/** Verified tokens remembered in process (a signature check costs more than the rest of a small request). */
const VERIFIED_MAX = 10_000;

/** A refused request: HTTP status, the WWW-Authenticate challenge, and what the client is told. */
export class AuthFailure extends Error {
  constructor(
    readonly status: 400 | 401 | 403,
    readonly error: "invalid_request" | "invalid_token" | "insufficient_scope" | "invalid_dpop_proof" | null,
    message: string,
    readonly scheme: "Bearer" | "DPoP" = "Bearer",
  ) {
    super(message);
  }

  /** RFC 6750 / RFC 9449 challenges; both schemes are offered when no credentials came. */
  challenges(): string[] {
    const detail = this.error
      ? `, error="${this.error}", error_description="${this.message.replace(/"/g, "'")}"`
      : "";
    const bearer = `Bearer realm="${REALM}"${this.scheme === "Bearer" ? detail : ""}`;
    const dpop = `DPoP realm="${REALM}", algs="${DPOP_ALGS.join(" ")}"${this.scheme === "DPoP" ? detail : ""}`;
    return this.error === null ? [bearer, dpop] : [this.scheme === "DPoP" ? dpop : bearer];
  }
}

/** Claims we put in API access tokens at issuance (provider.ts extraTokenClaims). */
export type FedicentralClaims = {
  kind: "user" | "client";
  id: string;
  name: string;
  sa?: ServiceAccountClaims;
  /** Issued at, in epoch milliseconds: iat's seconds are too coarse to order a token and a cutoff. */
  at?: number;
  /** The grant a person's token came from, so that ending a session ends its tokens. */
  gid?: string;
};

type Request = { method: string; authorization: string | undefined; dpop: string | string[] | undefined };

const DPOP_PROOF_ONCE = sql(
  "authn.bearer.dpopProofOnce",
  `INSERT INTO oidc_payload (kind, id, payload, expires_at)
       VALUES ('ApiDpopProof', $1, '{}', now() + make_interval(secs => $2::int))
       ON CONFLICT (kind, id) DO NOTHING RETURNING 1`,
);

/**
 * Turns the Authorization (and DPoP) headers of an API request into a Principal: a JWT access token we
 * issued, for this audience, unexpired, signed by one of our current keys, with the API scope, and when
 * it is DPoP-bound, presented with a fresh proof of the bound key that was never seen before.
 */
export class RequestAuthenticator {
  /**
   * Tokens whose signature and claims were checked, by their text. A hit is still checked for expiry,
   * and the whole cache is forgotten when the key set changes (a removed key's tokens are refused).
   */
  private readonly verified = new Map<string, JWTPayload>();
  private verifiedGeneration = -1;

  constructor(
    private readonly opts: {
      issuer: string;
      /** The API's resource URL: the tokens' audience and the DPoP proofs' htu. */
      audience: string;
      keyRing: KeyRing;
      ds: DataSource;
      /** Cutoffs of disabled, deleted or reset accounts and revoked sessions (tokens/token-cutoffs.ts). */
      cutoffs?: TokenCutoffs;
    },
  ) {}

  /** The principal, null when no credentials came; throws AuthFailure for bad ones. */
  async authenticate(req: Request): Promise<Principal | null> {
    const header = req.authorization;
    if (header === undefined || header === "") {
      if (req.dpop !== undefined)
        throw new AuthFailure(400, "invalid_request", "DPoP proof without a token", "DPoP");
      return null;
    }
    const match = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*)$/i.exec(header);
    if (!match) throw new AuthFailure(400, "invalid_request", "malformed Authorization header");
    const scheme = match[1]!.toLowerCase() === "dpop" ? "DPoP" : "Bearer";
    const token = match[2]!;
    const payload = await this.verifyToken(token, scheme);
    const jkt = (payload.cnf as { jkt?: string } | undefined)?.jkt;
    if (jkt) {
      if (scheme !== "DPoP")
        throw new AuthFailure(401, "invalid_token", "the token is DPoP-bound: use the DPoP scheme", "DPoP");
      await this.verifyDpopProof(req, token, jkt);
    } else if (scheme === "DPoP") {
      throw new AuthFailure(401, "invalid_token", "the token is not DPoP-bound", "DPoP");
    }
    const principal = toPrincipal(payload);
    if (await this.isCutOff(principal))
      throw new AuthFailure(401, "invalid_token", "the token was revoked", scheme);
    return principal;
  }

  /** Whether the principal's token was ended since it was issued (its account, client or session). */
  async isCutOff(p: Principal): Promise<boolean> {
    if (!this.opts.cutoffs || p.issuedAtMs === undefined) return false;
    const keys = keysOf({ subject: `${p.kind}:${p.id}`, clientId: p.clientId, grantId: p.grantId });
    return this.opts.cutoffs.isCutOff(keys, p.issuedAtMs);
  }

  private async verifyToken(token: string, scheme: "Bearer" | "DPoP"): Promise<JWTPayload> {
    if (this.verifiedGeneration !== this.opts.keyRing.generation) {
      this.verified.clear();
      this.verifiedGeneration = this.opts.keyRing.generation;
    }
    const known = this.verified.get(token);
    if (known && (known.exp ?? 0) + CLOCK_TOLERANCE_SECONDS > Date.now() / 1000) return known;
    const payload = await this.verifyFully(token, scheme);
    if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, payload);
    return payload;
  }

  private async verifyFully(token: string, scheme: "Bearer" | "DPoP"): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(
        token,
        async (header) => {
          const key = await this.opts.keyRing.find(header.kid, header.alg);
          if (!key)
            throw new AuthFailure(401, "invalid_token", "the token was not signed by a current key", scheme);
          return key;
        },
        {
          issuer: this.opts.issuer,
          audience: this.opts.audience,
          algorithms: TOKEN_ALGS,
          typ: "at+jwt",
          requiredClaims: ["exp", "iat", "sub", "client_id", "jti"],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
        },
      );
      const scopes = typeof payload.scope === "string" ? payload.scope.split(" ") : [];
      if (!scopes.includes(API_SCOPE)) {
        throw new AuthFailure(403, "insufficient_scope", `the token lacks the ${API_SCOPE} scope`, scheme);
      }
      if (!isFedicentralClaims(payload.fc))
        throw new AuthFailure(401, "invalid_token", "the token names no principal", scheme);
      return payload;
    } catch (e) {
      if (e instanceof AuthFailure) throw e;
      throw new AuthFailure(401, "invalid_token", describe(e), scheme);
    }
  }

  /** RFC 9449 section 7.1, as a resource server. */
  private async verifyDpopProof(req: Request, token: string, jkt: string): Promise<void> {
    const fail = (m: string) => new AuthFailure(401, "invalid_dpop_proof", m, "DPoP");
    if (typeof req.dpop !== "string" || req.dpop.includes(","))
      throw fail("exactly one DPoP proof is required");
    let payload: JWTPayload;
    let jwkThumbprint: string;
    try {
      const verified = await jwtVerify(req.dpop, EmbeddedJWK, {
        typ: "dpop+jwt",
        algorithms: DPOP_ALGS,
        requiredClaims: ["iat", "jti", "htm", "htu"],
        maxTokenAge: DPOP_WINDOW_SECONDS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
      payload = verified.payload;
      jwkThumbprint = await calculateJwkThumbprint(verified.protectedHeader.jwk!);
    } catch (e) {
      throw fail(`the DPoP proof is invalid: ${describe(e)}`);
    }
    if (payload.htm !== req.method) throw fail("the DPoP proof is for another HTTP method");
    if (normalizeUrl(payload.htu) !== normalizeUrl(this.opts.audience))
      throw fail("the DPoP proof is for another URL");
    if (payload.ath !== createHash("sha256").update(token).digest("base64url")) {
      throw fail("the DPoP proof is for another access token");
    }
    if (jwkThumbprint !== jkt)
      throw fail("the DPoP proof is signed by another key than the token is bound to");
    // Each proof once: remembered in PostgreSQL, so a replay to another replica is caught too.
    const id = createHash("sha256")
      .update(`${jkt}:${String(payload.jti)}`)
      .digest("base64url");
    const inserted: unknown[] = await this.opts.ds.query(DPOP_PROOF_ONCE, [
      id,
      DPOP_WINDOW_SECONDS + 2 * CLOCK_TOLERANCE_SECONDS,
    ]);
    if (inserted.length === 0) throw fail("the DPoP proof was used before");
  }
}

function toPrincipal(payload: JWTPayload): Principal {
  const fc = payload.fc as FedicentralClaims;
  const base: Principal = {
    kind: fc.kind,
    id: fc.id,
    name: fc.name,
    clientId: String(payload.client_id),
    scopes: String(payload.scope).split(" "),
    tokenId: payload.jti,
    expiresAt: payload.exp,
    // Without our own millisecond claim, the start of iat's second: the cutoff then errs on refusing.
    issuedAtMs: typeof fc.at === "number" ? fc.at : (payload.iat ?? 0) * 1000,
    grantId: fc.gid,
  };
  if (fc.kind === "client" && fc.sa) {
    return { ...base, role: fc.sa.role, operatorId: fc.sa.operatorId, providerId: fc.sa.providerId };
  }
  return base;
}

function isFedicentralClaims(v: unknown): v is FedicentralClaims {
  const c = v as FedicentralClaims | undefined;
  return (
    !!c &&
    (c.kind === "user" || c.kind === "client") &&
    typeof c.id === "string" &&
    typeof c.name === "string"
  );
}

function normalizeUrl(u: unknown): string | null {
  if (typeof u !== "string") return null;
  const parsed = URL.parse(u);
  if (!parsed) return null;
  parsed.hash = "";
  parsed.search = "";
  return parsed.href;
}

function describe(e: unknown): string {
  if (e instanceof joseErrors.JWTExpired) return "the token expired";
  if (e instanceof joseErrors.JWTClaimValidationFailed)
    return `the token's ${e.claim} claim is not acceptable`;
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return "the token's signature is invalid";
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return "the token's algorithm is not accepted";
  if (e instanceof joseErrors.JOSEError) return "the token is malformed";
  return "the token is invalid";
}
