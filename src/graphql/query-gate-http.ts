import type { RequestHandler } from "express";
import type { QueryGate } from "./query-limits.js";

/**
 * Applies the query limits to a /graphql request before anything else looks at it (authentication,
 * GraphQL validation): a refusal is HTTP 400 with the error as GraphQL would give it. Requests that are not
 * plain GraphQL requests pass on to Apollo, which answers them.
 */
export function queryGateHttp(gate: QueryGate): RequestHandler {
  return (req, res, next) => {
    const fromUrl = req.method === "GET";
    const params = (fromUrl ? req.query : req.body) as Record<string, unknown> | undefined;
    const source = params?.query;
    if (typeof source !== "string") return next();
    const refusal = gate.check(source, variablesOf(params?.variables));
    if (!refusal) return next();
    res.status(400).json({ errors: [{ message: refusal.message, extensions: refusal.extensions }] });
  };
}

/** Variables as an object, also when sent JSON-encoded in a GET query string; else none. */
function variablesOf(raw: unknown): Record<string, unknown> | undefined {
  let value = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch {
      return undefined;
    }
  }
  return value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
