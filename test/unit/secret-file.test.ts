import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "@jest/globals";
import { loadAccountingConfig } from "../../src/accounting/accounting-config.js";
import { variableOrFile, withSecretFiles } from "../../src/common/secret-file.js";
import { ConfigError, loadConfig } from "../../src/config.js";
import { loadNetboxConfig } from "../../src/netbox/netbox-config.js";
import { useTempDir } from "../support/temp-dir.js";

// Every secret can come from a file (systemd credentials, mounted secrets) as <NAME>_FILE, read once.
describe("secrets from files", () => {
  const dir = useTempDir("fedicentral-secret-file-");
  const file = (name: string, content: string) => {
    const p = path.join(dir.path, name);
    writeFileSync(p, content);
    return p;
  };

  it("reads DATABASE_URL, METRICS_TOKEN and AUTH_ENCRYPTION_KEY from their _FILE, without the final newline", () => {
    const config = loadConfig({
      DATABASE_URL_FILE: file("db", "postgres://fc:pw@db.internal/fedicentral\n"),
      METRICS_TOKEN_FILE: file("metrics", "scrape-token-0123456789\n"),
      AUTH_ENCRYPTION_KEY_FILE: file("auth", "a".repeat(40) + "\n"),
    });
    expect(config.databaseUrl).toBe("postgres://fc:pw@db.internal/fedicentral");
    expect(config.metrics.token).toBe("scrape-token-0123456789");
    expect(config.authn.encryptionKey).toBe("a".repeat(40));
  });

  it("reads the accounting and NetBox keys the same way", () => {
    const secret = randomBytes(32);
    const key = randomBytes(32).toString("hex");
    expect(
      loadAccountingConfig({ ACCOUNTING_SIGNING_KEY_SECRET_FILE: file("acc", secret.toString("base64")) })
        .signingKeySecret,
    ).toEqual(secret);
    expect(loadNetboxConfig({ NETBOX_SECRET_KEY_FILE: file("nb", `${key}\n`) }).secretBox).not.toBeNull();
  });

  it("reads the secrets handed to nixops4 (NIXOPS4_SECRET_ENV) from their _FILE too", () => {
    const env = { NIXOPS4_SECRET_ENV: "DESEC_TOKEN", DESEC_TOKEN_FILE: file("desec", "desec-secret\n") };
    expect(withSecretFiles(env)).toEqual({ NIXOPS4_SECRET_ENV: "DESEC_TOKEN", DESEC_TOKEN: "desec-secret" });
    expect(variableOrFile(env, "DESEC_TOKEN")).toBe("desec-secret");
  });

  it("reads each file once: a later change is not seen", () => {
    const env = { METRICS_TOKEN_FILE: file("once", "first-token-0123456789") };
    expect(loadConfig(env).metrics.token).toBe("first-token-0123456789");
    writeFileSync(env.METRICS_TOKEN_FILE, "second-token-0123456789");
    expect(loadConfig({ ...env }).metrics.token).toBe("first-token-0123456789");
  });

  it("refuses both forms at once, a missing file and an empty one, naming the variable", () => {
    const both = { DATABASE_URL: "postgres://h/db", DATABASE_URL_FILE: file("both", "postgres://h/db") };
    expect(() => loadConfig(both)).toThrow(ConfigError);
    expect(() => loadConfig(both)).toThrow(/DATABASE_URL or DATABASE_URL_FILE, not both/);
    expect(() => loadConfig({ METRICS_TOKEN_FILE: path.join(dir.path, "missing") })).toThrow(
      /METRICS_TOKEN_FILE: cannot read/,
    );
    expect(() => loadNetboxConfig({ NETBOX_SECRET_KEY_FILE: file("empty", "\n") })).toThrow(
      /NETBOX_SECRET_KEY_FILE: .* is empty/,
    );
    expect(() => loadNetboxConfig({ NETBOX_SECRET_KEY_FILE: file("empty2", "") })).toThrow(ConfigError);
  });
});
