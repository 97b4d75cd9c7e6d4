import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "../../common/config-error.js";
import { SecretBox } from "../../common/secret-box.js";

/**
 * The box of what authentication keeps in PostgreSQL (signing keys, cookie keys, TOTP secrets), under a
 * key derived from AUTH_ENCRYPTION_KEY; each value's label (e.g. `totp:<user id>`) binds it to its row.
 */
export const authnSecretBox = (secret: string): SecretBox =>
  SecretBox.derived(secret, "AUTH_ENCRYPTION_KEY (or AUTH_ENCRYPTION_KEY_FILE)");

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
