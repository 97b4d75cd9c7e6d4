import { createHmac, timingSafeEqual } from "node:crypto";
import express, { type Request, type Response, Router } from "express";
import type Provider from "oidc-provider";
import { errors } from "oidc-provider";
import type { Caller } from "../../common/caller.js";
import type { Logger } from "../../logger.js";
import type { UserService } from "../accounts/user.service.js";
import { PAGE_HEADERS } from "./html.js";
import { type FormContext, consentPage, loginPage, messagePage, secondFactorPage } from "./views.js";
import { requestIdOf } from "../../http/request-id.js";
import { inputProblem } from "../../common/text.js";

type Interaction = Awaited<ReturnType<Provider["interactionDetails"]>>;

/** Pending second factor: who passed the password step, kept server-side in the interaction. */
type PendingSecondFactor = { secondFactorFor: string };

const MESSAGES = {
  refused: "Wrong email or password.",
  throttled: "Too many attempts. Wait a moment and try again.",
  disabled: "This account is disabled. Ask your provider's staff to enable it.",
  wrongCode: "That code is not valid. Try again.",
};

/**
 * The sign-in and consent pages oidc-provider sends people to. Plain HTML forms: no JavaScript needed.
 * Forms are protected three ways: the interaction cookie (SameSite=Lax, so a cross-site POST carries
 * none), a per-interaction CSRF token, and the Origin header when the browser sends one.
 */
export function interactionRoutes(opts: {
  provider: () => Provider;
  users: UserService;
  publicUrl: string;
  csrfKey: Buffer;
  log: Logger;
}): Router {
  const router = Router();
  const origin = new URL(opts.publicUrl).origin;
  const csrfOf = (uid: string) =>
    createHmac("sha256", opts.csrfKey).update(`csrf:${uid}`).digest("base64url");

  const caller = (req: Request): Caller => ({
    requestId: requestIdOf(req),
    principal: null,
    client: { ip: req.ip ?? null, userAgent: req.header("user-agent") ?? null },
  });

  const send = (res: Response, status: number, body: string) => {
    res.status(status).set(PAGE_HEADERS).send(body);
  };

  const formContext = async (details: Interaction): Promise<FormContext> => {
    const client = await opts.provider().Client.find(String(details.params.client_id));
    return {
      uid: details.uid,
      csrf: csrfOf(details.uid),
      clientName: client?.clientName ?? String(details.params.client_id),
    };
  };

  /** Loads the interaction of this browser; answers with a page and returns null when there is none. */
  const load = async (req: Request, res: Response): Promise<Interaction | null> => {
    try {
      const details = await opts.provider().interactionDetails(req, res);
      if (details.uid !== req.params.uid) throw new errors.SessionNotFound("interaction mismatch");
      return details;
    } catch (e) {
      if (!(e instanceof errors.SessionNotFound)) throw e;
      send(
        res,
        400,
        messagePage(
          "Sign-in expired",
          "This sign-in page has expired. Go back to the application and start again.",
        ),
      );
      return null;
    }
  };

  /** POSTs must come from our own pages. */
  const checkForm = (req: Request, res: Response): boolean => {
    const sentOrigin = req.header("origin");
    const token = typeof req.body?.csrf === "string" ? Buffer.from(req.body.csrf) : Buffer.alloc(0);
    const expected = Buffer.from(csrfOf(String(req.params.uid)));
    const tokenOk = token.length === expected.length && timingSafeEqual(token, expected);
    if ((sentOrigin !== undefined && sentOrigin !== origin) || !tokenOk) {
      send(
        res,
        403,
        messagePage("Request refused", "This form was not sent from a fedicentral page. Start again."),
      );
      return false;
    }
    return true;
  };

  const wrap =
    (handler: (req: Request, res: Response) => Promise<void>) =>
    async (req: Request, res: Response, next: (e?: unknown) => void) => {
      try {
        await handler(req, res);
      } catch (e) {
        next(e);
      }
    };

  router.use(express.urlencoded({ extended: false, limit: "16kb" }));
  // A field PostgreSQL cannot store would fail the lookup with a 500; it is the sender's mistake.
  router.use((req, res, next) => {
    if (!inputProblem(req.body ?? {}, "form") && !inputProblem(req.query, "query")) return next();
    send(
      res,
      400,
      messagePage(
        "Request refused",
        "A field holds characters that cannot be stored (such as NUL). Start again.",
      ),
    );
  });

  router.get(
    "/:uid",
    wrap(async (req, res) => {
      const details = await load(req, res);
      if (!details) return;
      const f = await formContext(details);
      const pending = details.result as PendingSecondFactor | undefined;
      if (details.prompt.name === "login") {
        send(res, 200, pending?.secondFactorFor ? secondFactorPage(f) : loginPage(f));
        return;
      }
      const user = await opts.users.byId(String(details.session?.accountId));
      send(res, 200, consentPage(f, requestedScopes(details), user?.displayName ?? ""));
    }),
  );

  router.post(
    "/:uid/login",
    wrap(async (req, res) => {
      const details = await load(req, res);
      if (!details || !checkForm(req, res)) return;
      const f = await formContext(details);
      const email = typeof req.body.email === "string" ? req.body.email.slice(0, 320) : "";
      const password = typeof req.body.password === "string" ? req.body.password : "";
      if (details.prompt.name !== "login") {
        send(res, 400, messagePage("Already signed in", "Go back to the application and start again."));
        return;
      }
      const outcome = await opts.users.signIn(caller(req), email, password);
      switch (outcome.kind) {
        case "signed-in":
          await finishLogin(opts.provider(), req, res, outcome.user.uuid, ["pwd"]);
          return;
        case "second-factor":
          // Saved in the interaction itself (server side); the next form only carries the code.
          await opts
            .provider()
            .interactionResult(
              req,
              res,
              { secondFactorFor: outcome.user.uuid } satisfies PendingSecondFactor,
              {
                mergeWithLastSubmission: false,
              },
            );
          send(res, 200, secondFactorPage(f));
          return;
        case "throttled":
          send(res, 429, loginPage(f, { email, error: MESSAGES.throttled }));
          return;
        case "disabled":
          send(res, 403, loginPage(f, { email, error: MESSAGES.disabled }));
          return;
        default:
          send(res, 401, loginPage(f, { email, error: MESSAGES.refused }));
      }
    }),
  );

  router.post(
    "/:uid/second-factor",
    wrap(async (req, res) => {
      const details = await load(req, res);
      if (!details || !checkForm(req, res)) return;
      const f = await formContext(details);
      const userId = (details.result as PendingSecondFactor | undefined)?.secondFactorFor;
      if (!userId || details.prompt.name !== "login") {
        send(res, 400, loginPage(f, { error: "Sign in with your password first." }));
        return;
      }
      const code = typeof req.body.code === "string" ? req.body.code.slice(0, 64) : "";
      const outcome = await opts.users.secondFactor(caller(req), userId, code);
      if (outcome.kind === "signed-in") {
        await finishLogin(opts.provider(), req, res, userId, ["pwd", "otp"]);
        return;
      }
      const status = outcome.kind === "throttled" ? 429 : outcome.kind === "disabled" ? 403 : 401;
      send(
        res,
        status,
        secondFactorPage(f, {
          error: outcome.kind === "throttled" ? MESSAGES.throttled : MESSAGES.wrongCode,
        }),
      );
    }),
  );

  router.post(
    "/:uid/confirm",
    wrap(async (req, res) => {
      const details = await load(req, res);
      if (!details || !checkForm(req, res)) return;
      if (details.prompt.name !== "consent" || !details.session) {
        send(res, 400, messagePage("Nothing to confirm", "Go back to the application and start again."));
        return;
      }
      const provider = opts.provider();
      const { Grant } = provider;
      const grant = details.grantId
        ? await Grant.find(details.grantId)
        : new Grant({ accountId: details.session.accountId, clientId: String(details.params.client_id) });
      if (!grant) throw new Error("grant of the interaction is gone");
      const missing = details.prompt.details as {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
        grant.addResourceScope(resource, scopes.join(" "));
      }
      const grantId = await grant.save();
      await provider.interactionFinished(
        req,
        res,
        { consent: { grantId } },
        { mergeWithLastSubmission: true },
      );
    }),
  );

  router.post(
    "/:uid/abort",
    wrap(async (req, res) => {
      const details = await load(req, res);
      if (!details || !checkForm(req, res)) return;
      await opts
        .provider()
        .interactionFinished(
          req,
          res,
          { error: "access_denied", error_description: "the person declined" },
          { mergeWithLastSubmission: false },
        );
    }),
  );

  return router;
}

async function finishLogin(
  provider: Provider,
  req: Request,
  res: Response,
  accountId: string,
  amr: string[],
) {
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId, amr, remember: true } },
    { mergeWithLastSubmission: false },
  );
}

/** The scopes the client asks for, OIDC and API alike, for the consent page. */
function requestedScopes(details: Interaction): string[] {
  const d = details.prompt.details as {
    missingOIDCScope?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  return [
    ...new Set([...(d.missingOIDCScope ?? []), ...Object.values(d.missingResourceScopes ?? {}).flat()]),
  ];
}
