import type { RequestHandler } from "express";
import { Histogram } from "prom-client";
import { routeOf } from "../http/routes.js";
import { processMetrics } from "./registry.js";

const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]);

const requestSeconds = new Histogram({
  name: "fedicentral_http_request_duration_seconds",
  help: "HTTP requests by route prefix, method and status class, until the response was sent",
  labelNames: ["route", "method", "status"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [processMetrics],
});

/** Times every request; WebSocket upgrades (subscriptions) never reach express and are not counted. */
export function httpMetrics(): RequestHandler {
  return (req, res, next) => {
    const end = requestSeconds.startTimer();
    // Route prefixes, not paths (ids would make a label value per object); taken now, since routers
    // mounted on a prefix strip it from req.path before the response finishes.
    const route = routeOf(req.path);
    res.once("finish", () =>
      end({
        route,
        method: METHODS.has(req.method) ? req.method : "other",
        status: `${Math.floor(res.statusCode / 100)}xx`,
      }),
    );
    next();
  };
}
