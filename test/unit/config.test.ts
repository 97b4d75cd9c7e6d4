import { describe, expect, it } from "@jest/globals";
import { ConfigError, loadConfig } from "../../src/config.js";

describe("configuration", () => {
  it("has working defaults and derives PUBLIC_URL from PORT", () => {
    const c = loadConfig({ PORT: "4100" });
    expect(c).toMatchObject({
      port: 4100,
      host: "127.0.0.1",
      publicUrl: "http://localhost:4100",
      databaseUrl: undefined,
      seedDemo: true,
    });
  });

  it("seeds demo data only on the embedded database unless asked", () => {
    expect(loadConfig({ DATABASE_URL: "postgres://h/db" }).seedDemo).toBe(false);
    expect(loadConfig({ DATABASE_URL: "postgres://h/db", SEED_DEMO: "true" }).seedDemo).toBe(true);
  });

  it("names every bad variable in one clear error", () => {
    expect(() => loadConfig({ PORT: "seventy", DATABASE_URL: "mysql://x", LOG_LEVEL: "loud" })).toThrow(
      ConfigError,
    );
    try {
      loadConfig({ PORT: "seventy", DATABASE_URL: "mysql://x" });
    } catch (e) {
      expect((e as Error).message).toMatch(/PORT/);
      expect((e as Error).message).toMatch(/DATABASE_URL: must be a postgres:\/\/ URL/);
    }
  });

  it("treats empty variables as unset and strips a trailing slash from PUBLIC_URL", () => {
    expect(loadConfig({ PORT: "", PUBLIC_URL: "https://api.example.org/" })).toMatchObject({
      port: 4000,
      publicUrl: "https://api.example.org",
    });
  });

  it("keeps metrics off unless enabled, and wants a token long enough to mean something", () => {
    expect(loadConfig({}).metrics).toEqual({ enabled: false, token: null, workerPort: 9464 });
    expect(loadConfig({ METRICS_ENABLED: "1", METRICS_PORT: "9500" }).metrics).toEqual({
      enabled: true,
      token: null,
      workerPort: 9500,
    });
    expect(() => loadConfig({ METRICS_TOKEN: "short" })).toThrow(/METRICS_TOKEN: use at least 16 characters/);
    expect(() => loadConfig({ METRICS_ENABLED: "yes" })).toThrow(/METRICS_ENABLED/);
  });

  it("has HTTP and rate limits by default, the request timeout never below the headers one, 0 turning a limit off", () => {
    const c = loadConfig({});
    expect(c.http).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 65_000,
      maxConnections: 1000,
    });
    expect(c.limits).toEqual({
      windowSeconds: 60,
      graphql: 1200,
      tokenIp: 600,
      tokenClientFailures: 20,
      webhookIp: 600,
    });
    const d = loadConfig({
      HTTP_HEADERS_TIMEOUT_MS: "5000",
      HTTP_REQUEST_TIMEOUT_MS: "1000",
      RATE_LIMIT_GRAPHQL: "0",
    });
    expect(d.http.requestTimeoutMs).toBe(5000);
    expect(d.limits.graphql).toBe(0);
    expect(() => loadConfig({ HTTP_MAX_CONNECTIONS: "0" })).toThrow(/HTTP_MAX_CONNECTIONS/);
    expect(() => loadConfig({ RATE_LIMIT_TOKEN_IP: "-1" })).toThrow(/RATE_LIMIT_TOKEN_IP/);
  });
});
