import type { Request, RequestHandler, Response } from "express";
import { sendError } from "../http/http-errors.js";
import type { RateLimit } from "./rate-limit.js";
import { rateLimitHeaders, retryAfter } from "./rate-limit-headers.js";

/** How a route answers a refused request (429, the headers already set). */
export type Refusal = (req: Request, res: Response, retryAfterSeconds: number) => void;

/** API routes: a GraphQL-style error with the stable code. */
export const apiRefusal: Refusal = (req, res, s) =>
  sendError(req, res, {
    status: 429,
    code: "RATE_LIMITED",
    message: `too many requests: retry after ${s} s`,
  });

/** OAuth endpoints: the error / error_description body oidc-provider gives for its own errors. */
export const oauthRefusal =
  (description: string): Refusal =>
  (_req, res, s) =>
    res
      .status(429)
      .json({ error: "temporarily_unavailable", error_description: `${description}: retry after ${s} s` });

/** Where the request comes from (behind a proxy, as `trust proxy` says). */
export const addressOf = (req: Request) => `${req.ip ?? req.socket.remoteAddress ?? "unknown"}`;

/**
 * Counts every request against `limit` under the key keyOf gives; past it, answers 429 through refuse.
 * Off (null) it lets everything through.
 */
export function limitRequests(
  limit: RateLimit | null,
  keyOf: (req: Request, res: Response) => string,
  refuse: Refusal,
): RequestHandler {
  if (!limit) return (_req, _res, next) => next();
  return (req, res, next) => {
    limit.take(keyOf(req, res)).then((v) => {
      res.set(rateLimitHeaders([v]));
      if (v.allowed) next();
      else refuse(req, res, retryAfter([v]));
    }, next);
  };
}
