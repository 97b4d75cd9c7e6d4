import type { NextFunction, Request, RequestHandler, Response } from "express";
import type Provider from "oidc-provider";
import type { DataSource } from "typeorm";
import type { Config } from "../config.js";
import { sharedNotifications } from "../db/notifications.js";
import type { RateLimit } from "../limits/rate-limit.js";
import type { Logger } from "../logger.js";
import type { UserService } from "./accounts/user.service.js";
import { AuthFailure, RequestAuthenticator } from "./bearer.js";
import { CLIENTS_CHANGED_CHANNEL, ClientStore } from "./clients/client-store.js";
import { explorerClient } from "./clients/explorer-client.js";
import { KeyRing } from "./keys/key-ring.js";
import type { SecretBox } from "../common/secret-box.js";
import { authnSecretBox, resolveEncryptionSecret } from "./keys/secret-box.js";
import { KEYS_CHANGED_CHANNEL, SigningKeys } from "./keys/signing-keys.js";
import { stableSecret } from "./keys/stable-secrets.js";
import { purgeExpired } from "./oidc/adapter.js";
import { createProvider } from "./oidc/provider.js";
import { interactionRoutes } from "./pages/interactions.js";
import type { Principal } from "../common/principal.js";
import { TokenCutoffs, purgeTokenCutoffs } from "./tokens/token-cutoffs.js";

export type Authn = {
  /** Mount before any body parser: /oidc is oidc-provider's, /interaction the sign-in pages. */
  oidc: RequestHandler;
  interaction: RequestHandler;
  /** For /graphql: sets res.locals.principal, or answers 401/403 with a WWW-Authenticate challenge. */
  authenticate: RequestHandler;
  /** The same check for other transports (WebSocket connection_init): Authorization value → principal. */
  principalOf(authorization: string | null): Promise<Principal | null>;
  keys: SigningKeys;
  /** Builds the provider once the public URL is known (after listen, for PORT=0). */
  start(publicUrl: string): Promise<void>;
  stop(): Promise<void>;
};

/** The URL people and clients use; with PORT=0 and no PUBLIC_URL, the port the server really got. */
export function resolvePublicUrl(config: Pick<Config, "publicUrl" | "port">, boundPort: number): string {
  return config.port === 0 && config.publicUrl.endsWith(":0")
    ? `http://127.0.0.1:${boundPort}`
    : config.publicUrl;
}

export const issuerOf = (publicUrl: string) => `${publicUrl}/oidc`;
export const apiAudienceOf = (publicUrl: string) => `${publicUrl}/graphql`;

/** What seals secrets kept in PostgreSQL, from AUTH_ENCRYPTION_KEY(_FILE) or a generated dev key. */
export function secretBoxFor(config: Config, log: Logger): SecretBox {
  const secret = resolveEncryptionSecret({
    encryptionKey: config.authn.encryptionKey,
    dataDir: config.dataDir,
    production: config.production,
  });
  if (secret.source === "generated") {
    log.warn(
      "AUTH_ENCRYPTION_KEY is not set: using a generated key in DATA_DIR (development only); replicas must share one key",
    );
  }
  return authnSecretBox(secret.secret);
}

/** Builds the authentication side of the server: provider, sign-in pages, request authentication. */
export async function createAuthn(
  config: Config,
  ds: DataSource,
  log: Logger,
  deps: { box: SecretBox; users: UserService; clientFailures: RateLimit | null },
): Promise<Authn> {
  const { box, users } = deps;
  const keys = new SigningKeys(ds, box);
  await keys.ensure();
  const keyRing = new KeyRing(keys);
  await keyRing.load();
  const clientStore = new ClientStore(ds);
  const cutoffs = new TokenCutoffs(ds, log);
  const [cookieKey, dpopNonceSecret, csrfKey] = await Promise.all([
    stableSecret(ds, box, "cookie_key"),
    stableSecret(ds, box, "dpop_nonce_secret"),
    stableSecret(ds, box, "csrf_key"),
  ]);

  let provider: Provider | null = null;
  let handleOidc: ((req: Request, res: Response) => unknown) | null = null;
  let authenticator: RequestAuthenticator | null = null;
  let publicUrl = "";
  let interaction: RequestHandler | null = null;

  const buildProvider = async () => {
    provider = createProvider({
      issuer: issuerOf(publicUrl),
      apiAudience: apiAudienceOf(publicUrl),
      proxy: publicUrl.startsWith("https:"),
      secureCookies: publicUrl.startsWith("https:"),
      config: config.authn,
      ds,
      clients: clientStore,
      users,
      jwks: await keys.privateJwks(),
      cookieKeys: [cookieKey.toString("base64url")],
      dpopNonceSecret,
      clientFailures: deps.clientFailures,
      log,
    });
    handleOidc = provider.callback();
  };

  // Another process rotated or removed a key: sign and verify with the new set.
  const notifications = sharedNotifications(ds, log);
  let reloading: Promise<void> = Promise.resolve();
  const reloadKeys = () => {
    reloading = reloading
      .then(async () => {
        await keyRing.load();
        if (provider) await buildProvider();
      })
      .catch((e: unknown) => log.error({ err: e }, "could not reload signing keys"));
  };
  const offKeys = notifications.on(KEYS_CHANGED_CHANNEL, reloadKeys);
  const offClients = notifications.on(CLIENTS_CHANGED_CHANNEL, (clientId) =>
    clientStore.invalidate(clientId),
  );
  const offReconnect = notifications.onReconnect(() => {
    clientStore.invalidate();
    reloadKeys();
  });

  let purgeTimer: NodeJS.Timeout | undefined;
  const purge = async () => {
    try {
      const removed = await purgeExpired(ds);
      await users.throttle.purge();
      await purgeTokenCutoffs(ds);
      if (removed) log.debug({ removed }, "purged expired OIDC rows");
    } catch (e) {
      log.warn({ err: e }, "purging expired OIDC rows failed");
    }
  };

  const notStarted = (_req: Request, res: Response) => {
    res.status(503).json({ error: "starting" });
  };

  return {
    keys,
    oidc: (req, res) => void (handleOidc ? handleOidc(req, res) : notStarted(req, res)),
    interaction: (req, res, next) => (interaction ? interaction(req, res, next) : notStarted(req, res)),
    authenticate: async (req: Request, res: Response, next: NextFunction) => {
      if (!authenticator) return notStarted(req, res);
      try {
        res.locals.principal = await authenticator.authenticate({
          method: req.method,
          authorization: req.header("authorization"),
          dpop: req.headers.dpop,
        });
        next();
      } catch (e) {
        if (!(e instanceof AuthFailure)) return next(e);
        res.setHeader("www-authenticate", e.challenges());
        res.status(e.status).json({
          errors: [
            {
              message: e.message,
              extensions: { code: e.status === 403 ? "FORBIDDEN" : "UNAUTHENTICATED" },
            },
          ],
        });
      }
    },
    principalOf: async (authorization) => {
      if (!authenticator) throw new AuthFailure(401, null, "starting");
      return authenticator.authenticate({
        method: "POST",
        authorization: authorization ?? undefined,
        dpop: undefined,
      });
    },
    async start(url) {
      publicUrl = url;
      if (config.graphqlExplorer) clientStore.addBuiltIn(explorerClient(publicUrl));
      await buildProvider();
      authenticator = new RequestAuthenticator({
        issuer: issuerOf(publicUrl),
        audience: apiAudienceOf(publicUrl),
        keyRing,
        ds,
        cutoffs,
      });
      interaction = interactionRoutes({ provider: () => provider!, users, publicUrl, csrfKey, log });
      await Promise.all([
        ...[KEYS_CHANGED_CHANNEL, CLIENTS_CHANGED_CHANNEL].map((c) =>
          notifications.ready(c).catch(() => undefined),
        ),
        cutoffs.ready(),
      ]);
      // Jittered, so replicas do not all purge at once.
      const every = config.authn.purgeIntervalSeconds * 1000;
      const schedule = () => {
        purgeTimer = setTimeout(() => void purge().finally(schedule), every * (0.75 + Math.random() / 2));
        purgeTimer.unref();
      };
      schedule();
    },
    async stop() {
      clearTimeout(purgeTimer);
      offKeys();
      offClients();
      offReconnect();
      await reloading;
      await cutoffs.stop();
      await notifications.release();
    },
  };
}
