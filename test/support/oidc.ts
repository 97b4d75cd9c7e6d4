import * as oidc from "openid-client";
import { type APIRequestContext, type APIResponse, request } from "playwright-core";
import { UserService } from "../../src/authn/accounts/user.service.js";
import { DEFAULT_LOGIN_LIMITS } from "../../src/authn/authn-config.js";
import { ClientService } from "../../src/authn/clients/client.service.js";
import { type Domain, INSTALLATION } from "../../src/authz/model.js";
import { writeGrant } from "../../src/authz/policy-store.js";
import { roleNamed } from "../../src/authz/roles.js";
import { toGlobalId } from "../../src/common/global-id.js";
import { inTransaction } from "../../src/db/transaction.js";
import { systemCaller } from "../../src/common/caller.js";
import type { TestServer } from "./server.js";
import { TEST_ENCRYPTION_KEY } from "./tokens.js";
import { authnSecretBox } from "../../src/authn/keys/secret-box.js";
import { catalogue } from "../../src/modules.js";

// openid-client against the test server: it speaks plain http on 127.0.0.1.
const insecure = { execute: [oidc.allowInsecureRequests] };

export const issuerOf = (server: TestServer) => new URL(`${server.publicUrl}/oidc`);
export const apiOf = (server: TestServer) => `${server.publicUrl}/graphql`;

/** A provider row for service accounts to be bound to. */
export async function testProvider(server: TestServer): Promise<{ id: string; gid: string }> {
  const slug = `p-${Math.random().toString(36).slice(2, 10)}`;
  const [row] = await server.ds.query(
    `INSERT INTO provider (slug, name, contact_email) VALUES ($1, $1, $2) RETURNING id`,
    [slug, `ops@${slug}.example`],
  );
  return { id: row.id, gid: toGlobalId("Provider", row.id) };
}

export type ServiceAccount = { id: string; clientId: string; clientSecret: string };

/** A service account made through the service layer, as the CLI and the API do: by default a new provider's admin. */
export async function serviceAccount(
  server: TestServer,
  o: { role?: string; providerId?: string; operatorId?: string; name?: string } = {},
): Promise<ServiceAccount> {
  const providerId = o.operatorId ? undefined : (o.providerId ?? (await testProvider(server)).gid);
  return new ClientService(server.ds, catalogue).createServiceAccount(systemCaller(), {
    name: o.name ?? "Test automation",
    role: o.role ?? "provider-admin",
    providerId,
    operatorId: o.operatorId,
  });
}

export async function publicClient(server: TestServer, redirectUris: string[], postLogout: string[] = []) {
  const clients = new ClientService(server.ds, catalogue);
  const id = await clients.createPublicClient(systemCaller(), {
    name: "Test panel",
    redirectUris,
    postLogoutRedirectUris: postLogout,
  });
  return (await clients.byId(systemCaller(), id))!;
}

export function userService(server: TestServer, limits = DEFAULT_LOGIN_LIMITS): UserService {
  return new UserService(server.ds, authnSecretBox(TEST_ENCRYPTION_KEY), limits);
}

/**
 * A person with a password and (by default) the platform-admin role. A role that cannot be held
 * installation-wide is granted for `providerId` (a new provider when not given).
 */
export async function testUser(
  server: TestServer,
  o: { email?: string; password?: string; role?: string | null; name?: string; providerId?: string } = {},
) {
  const email = o.email ?? `u-${Math.random().toString(36).slice(2, 10)}@people.example`;
  const password = o.password ?? "correct horse battery staple";
  const id = await userService(server).create(systemCaller(), {
    email,
    displayName: o.name ?? "Ada Lovelace",
    password,
  });
  if (o.role !== null) {
    const role = o.role ?? "platform-admin";
    const domain: Domain = roleNamed(role)!.domains.includes("installation")
      ? INSTALLATION
      : { kind: "provider", providerId: o.providerId ?? (await testProvider(server)).id };
    await inTransaction(server.ds, (tx) =>
      writeGrant(tx, systemCaller(), { subject: `user:${id}`, role, domain }),
    );
  }
  return { id, email, password };
}

export function confidentialConfig(server: TestServer, sa: ServiceAccount): Promise<oidc.Configuration> {
  return oidc.discovery(
    issuerOf(server),
    sa.clientId,
    undefined,
    oidc.ClientSecretBasic(sa.clientSecret),
    insecure,
  );
}

export function publicConfig(server: TestServer, clientId: string): Promise<oidc.Configuration> {
  return oidc.discovery(issuerOf(server), clientId, undefined, oidc.None(), insecure);
}

export async function clientCredentialsToken(server: TestServer, sa: ServiceAccount): Promise<string> {
  const tokens = await oidc.clientCredentialsGrant(await confidentialConfig(server, sa), { scope: "api" });
  return tokens.access_token;
}

/** A browser without a browser: cookies, forms, redirects followed by hand so each step can be seen. */
export class FormBrowser {
  private constructor(private readonly ctx: APIRequestContext) {}

  static async open(): Promise<FormBrowser> {
    return new FormBrowser(await request.newContext({ maxRedirects: 0 }));
  }

  async close(): Promise<void> {
    await this.ctx.dispose();
  }

  get(url: string): Promise<APIResponse> {
    return this.ctx.get(url, { maxRedirects: 0 });
  }

  post(
    url: string,
    form: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<APIResponse> {
    return this.ctx.post(url, { form, headers, maxRedirects: 0 });
  }

  /** Follows redirects until one leaves for `stopAt` (returned, not fetched) or a page answers. */
  async follow(
    res: APIResponse,
    stopAt: string,
  ): Promise<{ page: APIResponse; url: string } | { redirect: string }> {
    let current = res;
    let url = res.url();
    for (let i = 0; i < 10; i++) {
      const location = current.headers()["location"];
      if (!location || current.status() < 300 || current.status() >= 400) return { page: current, url };
      const next = new URL(location, url).href;
      if (next.startsWith(stopAt)) return { redirect: next };
      url = next;
      current = await this.get(next);
    }
    throw new Error("too many redirects");
  }
}

/** The hidden CSRF field and the form actions of a sign-in page. */
export function formOf(html: string) {
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  const actions = [...html.matchAll(/<form method="post" action="([^"]+)"/g)].map((m) => m[1]!);
  return { csrf: csrf ?? "", actions };
}

/**
 * Runs the authorization code flow with PKCE through the login and consent forms, as a person would,
 * and returns the redirect back to the client (with its code) and what the client must keep.
 */
export async function authorizeThroughForms(
  browser: FormBrowser,
  config: oidc.Configuration,
  o: {
    redirectUri: string;
    email: string;
    password: string;
    scope?: string;
    consent?: boolean;
    /** Return the consent page instead of answering it. */
    stopAtConsent?: boolean;
    verifier?: string;
    extra?: Record<string, string>;
  },
) {
  const verifier = o.verifier ?? oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: o.redirectUri,
    scope: o.scope ?? "openid profile email offline_access api",
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    prompt: "consent",
    ...o.extra,
  });
  const first = await browser.follow(await browser.get(url.href), o.redirectUri);
  if ("redirect" in first) return { callback: new URL(first.redirect), verifier, state };
  const login = formOf(await first.page.text());
  const loginAction = login.actions.find((a) => a.endsWith("/login"));
  const origin = new URL(first.url).origin;
  // Already signed in (the session cookie): straight to consent.
  const afterLogin = loginAction
    ? await browser.follow(
        await browser.post(new URL(loginAction, origin).href, {
          csrf: login.csrf,
          email: o.email,
          password: o.password,
        }),
        o.redirectUri,
      )
    : first;
  if ("redirect" in afterLogin) return { callback: new URL(afterLogin.redirect), verifier, state };
  const consentHtml = await afterLogin.page.text();
  const consent = formOf(consentHtml);
  const confirm = consent.actions.find((a) => a.endsWith(o.consent === false ? "/abort" : "/confirm"));
  if (!confirm || o.stopAtConsent) return { page: afterLogin.page, html: consentHtml, verifier, state };
  const done = await browser.follow(
    await browser.post(new URL(confirm, origin).href, { csrf: consent.csrf }),
    o.redirectUri,
  );
  if (!("redirect" in done)) throw new Error(`consent did not redirect: ${await done.page.text()}`);
  return { callback: new URL(done.redirect), verifier, state };
}

/** The OAuth error code of a failed openid-client call (body error, or WWW-Authenticate challenge). */
export async function oauthError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    const err = e as { error?: string; cause?: { parameters?: { error?: string } }[] | { error?: string } };
    if (err.error) return err.error;
    if (Array.isArray(err.cause)) return err.cause[0]?.parameters?.error ?? "unknown";
    if (err.cause && "error" in err.cause && err.cause.error) return err.cause.error;
    throw e;
  }
  throw new Error("expected the call to fail");
}

/** A fresh sign-in page of an authorization request: its form action and CSRF token. */
export async function loginForm(
  server: TestServer,
  config: oidc.Configuration,
  redirect: string,
  browser: FormBrowser,
): Promise<{ csrf: string; action: string }> {
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirect,
    scope: "openid api",
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    code_challenge_method: "S256",
  });
  const res = await browser.follow(await browser.get(url.href), redirect);
  if ("redirect" in res) throw new Error("expected the login page");
  const { csrf, actions } = formOf(await res.page.text());
  return {
    csrf,
    action: new URL(
      actions.find((a) => a.endsWith("/login"))!,
      server.url,
    ).href,
  };
}
