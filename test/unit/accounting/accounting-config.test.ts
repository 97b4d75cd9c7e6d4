import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "@jest/globals";
import { loadAccountingConfig } from "../../../src/accounting/accounting-config.js";
import { ConfigError } from "../../../src/config.js";

describe("accounting configuration", () => {
  it("has defaults: hourly checkpoints, no signing without a secret", () => {
    expect(loadAccountingConfig({})).toEqual({
      observer: "fedicentral",
      signingKeySecret: null,
      checkpointIntervalMs: 3_600_000,
      sealIntervalMs: 250,
      failureTally: { windowSeconds: 60, sources: 100 },
      witness: { file: null, url: null, token: null },
    });
  });

  it("takes a witness file and an https URL, plain http only to this machine", () => {
    expect(
      loadAccountingConfig({
        ACCOUNTING_WITNESS_FILE: "/var/lib/witness.jsonl",
        ACCOUNTING_WITNESS_URL: "https://log.example.org/checkpoints",
      }).witness,
    ).toEqual({ file: "/var/lib/witness.jsonl", url: "https://log.example.org/checkpoints", token: null });
    expect(loadAccountingConfig({ ACCOUNTING_WITNESS_URL: "http://127.0.0.1:9/x" }).witness.url).toBe(
      "http://127.0.0.1:9/x",
    );
    expect(() => loadAccountingConfig({ ACCOUNTING_WITNESS_URL: "http://log.example.org/x" })).toThrow(
      /ACCOUNTING_WITNESS_URL: must be an https:\/\/ URL/,
    );
  });

  it("takes the signing key secret inline or from a file", () => {
    const secret = randomBytes(32);
    expect(
      loadAccountingConfig({ ACCOUNTING_SIGNING_KEY_SECRET: secret.toString("base64") }).signingKeySecret,
    ).toEqual(secret);
    const file = path.join(mkdtempSync(path.join(tmpdir(), "acct-")), "secret");
    writeFileSync(file, `${secret.toString("base64")}\n`);
    expect(loadAccountingConfig({ ACCOUNTING_SIGNING_KEY_SECRET_FILE: file }).signingKeySecret).toEqual(
      secret,
    );
  });

  it("refuses a short secret, both forms at once, an unreadable file, and a bad interval, naming the variable", () => {
    const bad = (env: Record<string, string>, message: RegExp) => {
      const err = (() => {
        try {
          loadAccountingConfig(env);
        } catch (e) {
          return e;
        }
        throw new Error("no error");
      })();
      // A ConfigError, so the server exits 2 with the message, like for any other setting.
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(message);
    };
    bad(
      { ACCOUNTING_SIGNING_KEY_SECRET: randomBytes(16).toString("base64") },
      /ACCOUNTING_SIGNING_KEY_SECRET: must be base64 of 32/,
    );
    bad({ ACCOUNTING_SIGNING_KEY_SECRET: "a", ACCOUNTING_SIGNING_KEY_SECRET_FILE: "/x" }, /not both/);
    bad(
      { ACCOUNTING_SIGNING_KEY_SECRET_FILE: "/nonexistent/secret" },
      /ACCOUNTING_SIGNING_KEY_SECRET_FILE: cannot read/,
    );
    bad({ ACCOUNTING_CHECKPOINT_INTERVAL_MS: "5" }, /ACCOUNTING_CHECKPOINT_INTERVAL_MS/);
    bad({ ACCOUNTING_FAILURE_WINDOW_SECONDS: "0" }, /ACCOUNTING_FAILURE_WINDOW_SECONDS/);
    bad({ ACCOUNTING_FAILURE_SOURCES: "many" }, /ACCOUNTING_FAILURE_SOURCES/);
  });

  it("reads the failure tallies' window and cap on sources", () => {
    expect(
      loadAccountingConfig({ ACCOUNTING_FAILURE_WINDOW_SECONDS: "300", ACCOUNTING_FAILURE_SOURCES: "20" })
        .failureTally,
    ).toEqual({ windowSeconds: 300, sources: 20 });
  });
});
