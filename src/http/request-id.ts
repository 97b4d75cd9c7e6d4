import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

export const REQUEST_ID_HEADER = "x-request-id";

/** The caller's X-Request-Id (cut to 100 characters) or a new one, echoed in the response. */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers[REQUEST_ID_HEADER];
  const id = (typeof given === "string" ? given.slice(0, 100) : "") || randomUUID();
  if (!res.headersSent) res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/** The id the access log gave the request (every route of the server has one), else a fresh one. */
export function requestIdOf(req: IncomingMessage): string {
  const id = (req as { id?: unknown }).id;
  return typeof id === "string" ? id : randomUUID();
}
