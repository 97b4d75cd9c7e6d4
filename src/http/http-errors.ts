import type { ErrorRequestHandler, Request, RequestHandler, Response } from "express";
import type { ErrorCode } from "../common/errors.js";
import { PAGE_HEADERS } from "../authn/pages/html.js";
import { messagePage } from "../authn/pages/views.js";
import type { Logger } from "../logger.js";
import { routeOf } from "./routes.js";

type Answer = { status: number; code: ErrorCode; message: string };

// Body-parser failures by their `type`: fixed messages, since theirs may quote the body back.
const BODY_ERRORS: Record<string, Answer> = {
  "entity.too.large": { status: 413, code: "PAYLOAD_TOO_LARGE", message: "the request body is too large" },
  "entity.parse.failed": { status: 400, code: "BAD_REQUEST", message: "the request body is not valid" },
  "charset.unsupported": {
    status: 415,
    code: "UNSUPPORTED_MEDIA_TYPE",
    message: "the request body's charset is not supported (use utf-8)",
  },
  "encoding.unsupported": {
    status: 415,
    code: "UNSUPPORTED_MEDIA_TYPE",
    message: "the request body's content encoding is not supported",
  },
};

const INTERNAL: Answer = { status: 500, code: "INTERNAL_SERVER_ERROR", message: "internal error" };

/** What to answer for an error: a known client error, any other 4xx, or an internal one. */
function answerFor(err: unknown): Answer {
  const e = (err ?? {}) as { type?: unknown; status?: unknown; statusCode?: unknown };
  const known = typeof e.type === "string" ? BODY_ERRORS[e.type] : undefined;
  if (known) return known;
  const status = Number(e.status ?? e.statusCode);
  if (status >= 400 && status < 500) return { status, code: "BAD_REQUEST", message: "bad request" };
  return INTERNAL;
}

/** API routes answer JSON as GraphQL errors; the sign-in pages answer a page a person can read. */
export function sendError(req: Request, res: Response, a: Answer): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // The rest of a body too large to read would still be received and thrown away: end the connection.
  if (a.status === 413) res.set("connection", "close");
  if (routeOf(req.path) === "/interaction") {
    res.status(a.status).set(PAGE_HEADERS).send(messagePage("Something went wrong", a.message));
    return;
  }
  res.status(a.status).json({ errors: [{ message: a.message, extensions: { code: a.code } }] });
}

/** The last handlers of the app: no route matched, or a route failed. Never a stack trace or a path. */
export function httpErrors(log: Logger): [RequestHandler, ErrorRequestHandler] {
  const notFound: RequestHandler = (req, res) =>
    sendError(req, res, { status: 404, code: "NOT_FOUND", message: "no such resource" });
  const failed: ErrorRequestHandler = (err, req, res, _next) => {
    const a = answerFor(err);
    if (a.status >= 500) log.error({ err, path: req.path }, "request failed");
    sendError(req, res, a);
  };
  return [notFound, failed];
}
