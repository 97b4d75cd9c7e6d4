import { timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { Registry } from "prom-client";
import type { MetricsConfig } from "./metrics-config.js";

/** Whether the request carries the bearer token, compared in constant time; true when none is set. */
function allowed(authorization: string | undefined, token: string | null): boolean {
  if (token === null) return true;
  const given = Buffer.from(authorization?.startsWith("Bearer ") ? authorization.slice(7) : "");
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** Answers a scrape in the Prometheus text format, or 401 without the configured token. */
export async function answerScrape(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  registry: () => Registry,
  config: MetricsConfig,
): Promise<void> {
  if (!allowed(req.headers.authorization, config.token)) {
    res.writeHead(401, { "www-authenticate": 'Bearer realm="metrics"', "content-type": "text/plain" });
    res.end("a bearer token is needed (METRICS_TOKEN)\n");
    return;
  }
  const r = registry();
  try {
    const body = await r.metrics();
    res.writeHead(200, { "content-type": r.contentType });
    res.end(body);
  } catch (e) {
    res.writeHead(500, { "content-type": "text/plain" });
    res.end(`metrics could not be collected: ${(e as Error).message}\n`);
  }
}

/** A small HTTP server with only /metrics, for processes without the API (fedicentral worker). */
export async function serveMetrics(
  registry: () => Registry,
  config: MetricsConfig & { port: number; host: string },
): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method === "GET" && req.url?.split("?")[0] === "/metrics") {
      void answerScrape(req, res, registry, config);
    } else {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("only /metrics here\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, resolve);
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
