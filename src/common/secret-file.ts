import { readFileSync } from "node:fs";
import { ConfigError } from "./config-error.js";

/**
 * The variables holding secrets. Each may instead be given as `<NAME>_FILE`, the path of a file holding it
 * (systemd's LoadCredential, a mounted Kubernetes or Docker secret), so it need not be in the environment.
 */
export const SECRET_VARIABLES = [
  "DATABASE_URL",
  "METRICS_TOKEN",
  "AUTH_ENCRYPTION_KEY",
  "ACCOUNTING_SIGNING_KEY_SECRET",
  "NETBOX_SECRET_KEY",
  "ACCOUNTING_WITNESS_TOKEN",
] as const;

/** Each file is read once (the first loader to ask, at start); the process keeps what it held then. */
const read = new Map<string, string>();

/**
 * The environment with every secret's `_FILE` read into the secret itself: the fixed ones above and the
 * variables NIXOPS4_SECRET_ENV names. Every area's settings go through it, so all see the same values.
 */
export function withSecretFiles(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const names = new Set<string>(SECRET_VARIABLES);
  for (const name of env.NIXOPS4_SECRET_ENV?.split(",") ?? []) if (name.trim()) names.add(name.trim());
  const out = { ...env };
  for (const name of names) {
    if (!env[`${name}_FILE`]) continue;
    out[name] = variableOrFile(env, name);
    delete out[`${name}_FILE`];
  }
  return out;
}

/** A variable's value, or the content of the file its `<NAME>_FILE` names (not both). */
export function variableOrFile(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const file = env[`${name}_FILE`];
  if (!file) return env[name];
  if (env[name]) throw new ConfigError(`${name}: set ${name} or ${name}_FILE, not both`);
  let secret = read.get(file);
  if (secret === undefined) {
    secret = readSecret(`${name}_FILE`, file);
    read.set(file, secret);
  }
  return secret;
}

/** The file's content without the final line break editors and `echo` add. */
function readSecret(variable: string, file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(`${variable}: cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  const secret = text.replace(/\r?\n$/, "");
  if (secret.trim() === "") throw new ConfigError(`${variable}: ${file} is empty`);
  return secret;
}
