import type { IncomingMessage, ServerResponse } from "node:http";
import { pinoHttp } from "pino-http";
import type { Logger } from "../logger.js";
import { assignRequestId } from "./request-id.js";
import { routeOf } from "./routes.js";

/**
 * Gives every request its id (X-Request-Id), and with `enabled` logs one line when its response is
 * finished: method, path (never the query string, which can carry codes and tokens), status, bytes,
 * duration, client address. Health checks and scrapes are left out.
 */
export function accessLog(log: Logger, enabled: boolean) {
  return pinoHttp<IncomingMessage, ServerResponse>({
    logger: log,
    genReqId: assignRequestId,
    autoLogging: enabled
      ? { ignore: (req) => ["/healthz", "/readyz", "/metrics"].includes(routeOf(pathOf(req))) }
      : false,
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? "error" : "info"),
    customSuccessMessage: () => "request",
    customErrorMessage: () => "request failed",
    serializers: {
      req: (req: {
        id: string;
        method: string;
        url: string;
        remoteAddress?: string;
        headers: Record<string, string>;
      }) => ({
        id: req.id,
        method: req.method,
        path: pathOf(req),
        ip: req.remoteAddress,
        userAgent: req.headers["user-agent"],
      }),
      res: (res: { statusCode: number; headers: Record<string, unknown> }) => ({
        status: res.statusCode,
        bytes: res.headers["content-length"],
      }),
    },
  });
}

const pathOf = (req: { url?: string }) => (req.url ?? "").split("?")[0]!;
