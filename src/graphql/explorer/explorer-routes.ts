import express, { type Request, type RequestHandler } from "express";
import { serveStatic } from "ruru/static";
import { EXPLORER_CLIENT_ID } from "../../authn/clients/explorer-client.js";
import { issuerOf } from "../../authn/authn.js";
import { EXPLORER_CSP, explorerPage } from "./explorer-page.js";
import { EXPLORER_SCRIPT, EXPLORER_STYLE } from "./explorer-script.js";

const HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

/** A browser asking for a page; API clients (Accept JSON, GraphQL responses or anything) are not. */
export const wantsPage = (req: Request): boolean =>
  req.method === "GET" &&
  req.accepts(["application/json", "application/graphql-response+json", "text/html"]) === "text/html";

/**
 * The GraphQL explorer: GraphiQL (ruru's prebuilt bundle, served from the package in memory) at GET /graphql
 * for browsers, its assets under /explorer/. Mounted before the API's /graphql handlers.
 */
export function explorerRoutes(publicUrl: () => string): RequestHandler {
  const router = express.Router();
  const ruru = serveStatic("/explorer/static/");
  router.get("/graphql", (req, res, next) => {
    if (!wantsPage(req)) return next();
    const url = publicUrl();
    res
      .set({ ...HEADERS, "content-security-policy": EXPLORER_CSP, vary: "accept" })
      .type("html")
      .send(explorerPage({ page: `${url}/graphql`, issuer: issuerOf(url), clientId: EXPLORER_CLIENT_ID }));
  });
  router.get("/explorer/explorer.js", (_req, res) => {
    res.set(HEADERS).type("text/javascript").send(EXPLORER_SCRIPT);
  });
  router.get("/explorer/explorer.css", (_req, res) => {
    res.set(HEADERS).type("text/css").send(EXPLORER_STYLE);
  });
  // ruru answers with the file, or passes on (an unknown name ends as a 404 of the error handler). Source
  // maps are not served: they would hold another 10 MB in memory.
  router.use("/explorer/static", (req, res, next) => {
    if (req.path.endsWith(".map")) return next();
    req.url = req.originalUrl;
    ruru(req, res, next);
  });
  return router;
}
