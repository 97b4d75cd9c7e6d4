import type http from "node:http";
import { z } from "zod";

// HTTP server limits; merged into the main schema by src/config.ts so a bad value names its variable.
const ms = (fallback: number, min: number) => z.coerce.number().int().min(min).default(fallback);

export const httpEnv = {
  HTTP_HEADERS_TIMEOUT_MS: ms(10_000, 100),
  HTTP_REQUEST_TIMEOUT_MS: ms(30_000, 100),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: ms(65_000, 100),
  HTTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(1000),
};

type Parsed = z.infer<z.ZodObject<typeof httpEnv>>;

export type HttpConfig = {
  /** A client must have sent every header within this time. */
  headersTimeoutMs: number;
  /** ... and its whole request (headers and body); never below headersTimeoutMs. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this (above a proxy's 60 s idle time). */
  keepAliveTimeoutMs: number;
  /** Connections past this are closed as they arrive. */
  maxConnections: number;
};

export const toHttpConfig = (e: Parsed): HttpConfig => ({
  headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
  requestTimeoutMs: Math.max(e.HTTP_REQUEST_TIMEOUT_MS, e.HTTP_HEADERS_TIMEOUT_MS),
  keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
  maxConnections: e.HTTP_MAX_CONNECTIONS,
});

/**
 * Options for http.createServer. Node looks for expired requests every connectionsCheckingInterval
 * (30 s by default), so a timeout alone would let a slow client stay up to 30 s longer.
 */
export const serverOptions = (c: HttpConfig): http.ServerOptions => ({
  headersTimeout: c.headersTimeoutMs,
  requestTimeout: c.requestTimeoutMs,
  keepAliveTimeout: c.keepAliveTimeoutMs,
  connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(c.headersTimeoutMs / 4))),
});
