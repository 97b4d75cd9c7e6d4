import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "../../common/config-error.js";

/**
 * Encrypts secrets kept in PostgreSQL (signing keys, cookie keys, TOTP secrets) with AES-256-GCM under
 * a key derived from AUTH_ENCRYPTION_KEY. Each value is bound to what it is (the label, used as
 * associated data), so a ciphertext copied into another row does not decrypt.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(secret: string) {
    if (secret.length < 32) throw new Error("the encryption secret must be at least 32 characters");
    this.key = Buffer.from(hkdfSync("sha256", secret, "fedicentral", "secret-box v1", 32));
  }

  seal(plain: string | Buffer, label: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(label));
    const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
    return ["v1", iv, cipher.getAuthTag(), ct]
      .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
      .join(".");
  }

  open(sealed: string, label: string): Buffer {
    const [version, iv, tag, ct] = sealed.split(".");
    if (version !== "v1" || !iv || !tag || ct === undefined) throw new SecretBoxError(label);
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64url"));
      decipher.setAAD(Buffer.from(label));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]);
    } catch {
      throw new SecretBoxError(label);
    }
  }
}

export class SecretBoxError extends Error {
  constructor(label: string) {
    super(
      `cannot decrypt ${label}: AUTH_ENCRYPTION_KEY (or AUTH_ENCRYPTION_KEY_FILE) is not the key it was stored with`,
    );
  }
}

export type EncryptionSecretSource = { secret: string; source: "env" | "generated" };

/**
 * The key-encryption secret: AUTH_ENCRYPTION_KEY (or its _FILE), else, in development only, a random one
 * kept in DATA_DIR. Production never generates one: losing that file would lose every key sealed under it.
 */
export function resolveEncryptionSecret(opts: {
  encryptionKey: string | undefined;
  dataDir: string;
  production: boolean;
}): EncryptionSecretSource {
  if (opts.encryptionKey) return { secret: opts.encryptionKey, source: "env" };
  if (opts.production) {
    throw new ConfigError(
      "AUTH_ENCRYPTION_KEY (or AUTH_ENCRYPTION_KEY_FILE) is required in production (NODE_ENV=production)",
    );
  }
  const file = path.join(opts.dataDir, "auth-encryption-key");
  if (!existsSync(file)) {
    mkdirSync(opts.dataDir, { recursive: true });
    // wx: two processes starting at once must not both write one.
    try {
      writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600, flag: "wx" });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    chmodSync(file, 0o600);
  }
  return { secret: readFileSync(file, "utf8").trim(), source: "generated" };
}
