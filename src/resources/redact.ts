// Outputs of resource providers may carry secrets (nixops4's own state dump does); none is stored. A
// value is dropped when its key names a secret or when it looks like a private key, wherever it sits.

export const REDACTED = "[redacted]";

// Compared with the key in lower case and without separators: adminPassword, api_key, client-secret.
const SECRET_KEY =
  /(password|passwd|passphrase|secret|token|apikey|privatekey|credential|cookie|sessionkey|signingkey)/;
const PRIVATE_KEY_PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key.toLowerCase().replace(/[-_.\s]/g, ""));
}

/** A copy of value with every secret replaced by "[redacted]", and the JSON paths that were. */
export function redactSecrets(value: unknown): { value: unknown; redacted: string[] } {
  const redacted: string[] = [];
  const walk = (v: unknown, path: string): unknown => {
    if (typeof v === "string") {
      if (!PRIVATE_KEY_PEM.test(v)) return v;
      redacted.push(path);
      return REDACTED;
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, `${path}[${i}]`));
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
        const p = `${path}.${k}`;
        if (isSecretKey(k) && item !== null && item !== "") {
          redacted.push(p);
          out[k] = REDACTED;
        } else out[k] = walk(item, p);
      }
      return out;
    }
    return v;
  };
  return { value: walk(value, "$"), redacted };
}
