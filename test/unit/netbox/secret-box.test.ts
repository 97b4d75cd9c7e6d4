import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import { NetboxConfigError, loadNetboxConfig } from "../../../src/netbox/netbox-config.js";
import { netboxSecretBox, parseSecretKey } from "../../../src/netbox/secret-box.js";
import { SecretBoxError } from "../../../src/common/secret-box.js";

describe("SecretBox (AES-256-GCM)", () => {
  const box = netboxSecretBox(randomBytes(32));

  it("seals and opens, with a fresh IV each time", () => {
    const a = box.seal("nbt_abcdefghijkl.0123456789", "netbox_connection.token:p1");
    const b = box.seal("nbt_abcdefghijkl.0123456789", "netbox_connection.token:p1");
    expect(a).not.toEqual(b);
    expect(a).not.toContain("0123456789");
    expect(box.openText(a, "netbox_connection.token:p1")).toBe("nbt_abcdefghijkl.0123456789");
  });

  it("refuses another record's context, a tampered value, and another key", () => {
    const sealed = box.seal("secret", "netbox_connection.token:p1");
    expect(() => box.open(sealed, "netbox_connection.token:p2")).toThrow(SecretBoxError);
    const parts = sealed.split(".");
    parts[4] = Buffer.from("other!").toString("base64url");
    expect(() => box.open(parts.join("."), "netbox_connection.token:p1")).toThrow(/corrupt/);
    const other = netboxSecretBox(randomBytes(32));
    expect(() => other.open(sealed, "netbox_connection.token:p1")).toThrow(
      `sealed with another key (${box.keyId}); this server has key ${other.keyId}`,
    );
    expect(() => box.open("plain text", "x")).toThrow("not a sealed secret");
  });

  it("takes keys as hex or base64 of 32 bytes", () => {
    const key = randomBytes(32);
    expect(parseSecretKey(key.toString("hex"))).toEqual(key);
    expect(parseSecretKey(` ${key.toString("base64")}\n`)).toEqual(key);
    expect(() => parseSecretKey("too short")).toThrow(SecretBoxError);
    expect(() => parseSecretKey(randomBytes(16).toString("hex"))).toThrow(SecretBoxError);
  });
});

describe("loadNetboxConfig", () => {
  it("has defaults: worker on, incremental overlap of five minutes, no key", () => {
    expect(loadNetboxConfig({})).toEqual({
      secretBox: null,
      worker: true,
      pollMs: 1000,
      concurrency: 2,
      timeoutMs: 30_000,
      retries: 4,
      backoffMs: 500,
      overlapSeconds: 300,
      refetchConcurrency: 8,
    });
  });

  it("reads the key from NETBOX_SECRET_KEY or NETBOX_SECRET_KEY_FILE, not both", () => {
    const hex = randomBytes(32).toString("hex");
    const dir = mkdtempSync(path.join(tmpdir(), "nb-key-"));
    try {
      const file = path.join(dir, "key");
      writeFileSync(file, `${hex}\n`);
      const fromEnv = loadNetboxConfig({ NETBOX_SECRET_KEY: hex }).secretBox!;
      const fromFile = loadNetboxConfig({ NETBOX_SECRET_KEY_FILE: file }).secretBox!;
      expect(fromFile.openText(fromEnv.seal("t", "c"), "c")).toBe("t");
      expect(() => loadNetboxConfig({ NETBOX_SECRET_KEY: hex, NETBOX_SECRET_KEY_FILE: file })).toThrow(
        /not both/,
      );
      expect(() => loadNetboxConfig({ NETBOX_SECRET_KEY_FILE: path.join(dir, "missing") })).toThrow(
        /NETBOX_SECRET_KEY_FILE: cannot read/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [{ NETBOX_SECRET_KEY: "short" }, /NETBOX_SECRET_KEY: must be 32 bytes/],
    [{ NETBOX_POLL_MS: "0" }, /NETBOX_POLL_MS/],
    [{ NETBOX_SYNC_WORKER: "maybe" }, /NETBOX_SYNC_WORKER/],
    [{ NETBOX_RETRIES: "-1" }, /NETBOX_RETRIES/],
  ])("refuses %j", (env, message) => {
    expect(() => loadNetboxConfig(env)).toThrow(NetboxConfigError);
    expect(() => loadNetboxConfig(env)).toThrow(message);
  });
});
