import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

export const REQUEST_ID_HEADER = "x-request-id";

/** The caller's X-Request-Id, cut to 100 characters; empty when none was sent. */
function sentId(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === "string" ? given.slice(0, 100) : "";
}

/** The caller's X-Request-Id or a new one, echoed in the response (the access log's genReqId). */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const id = sentId(req) || randomUUID();
  if (!res.headersSent) res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/**
 * The request's id: the one the access log gave it (every express route has one), else the caller's,
 * else a new one (a WebSocket upgrade, which never passes express).
 */
export function requestIdOf(req: IncomingMessage): string {
  const id = (req as { id?: unknown }).id;
  return typeof id === "string" ? id : sentId(req) || randomUUID();
}
