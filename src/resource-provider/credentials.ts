// How a resource reaches its secret: by reference only. nixops4 keeps every input in its state, so an
// input names a file or an environment variable, and the secret itself never enters inputs or outputs.

import { readFileSync } from "node:fs";
import { ProviderError } from "./protocol.js";

/** The `credentials` input: a config-reader service account's client secret, or a ready access token. */
export type CredentialsInput = {
  clientId?: string;
  clientSecretFile?: string;
  clientSecretEnv?: string;
  accessTokenFile?: string;
  accessTokenEnv?: string;
};

export type Credentials =
  { kind: "client"; clientId: string; secret: () => string } | { kind: "token"; secret: () => string };

const FIELD = "inputProperties.credentials";
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Every secret this process read, so that no message or output carries one (see scrubSecrets). */
const seen = new Set<string>();

export function credentialsOf(c: CredentialsInput): Credentials {
  const sources = (
    ["clientSecretFile", "clientSecretEnv", "accessTokenFile", "accessTokenEnv"] as const
  ).filter((k) => c[k] !== undefined);
  const [source] = sources;
  if (sources.length !== 1 || !source)
    throw new ProviderError(
      `${FIELD} must name exactly one of clientSecretFile, clientSecretEnv, accessTokenFile, accessTokenEnv`,
    );
  const client = source.startsWith("client");
  if (client !== (c.clientId !== undefined))
    throw new ProviderError(
      client
        ? `${FIELD}.clientId is required with ${source}`
        : `${FIELD}.clientId goes with clientSecretFile or clientSecretEnv, not ${source}`,
    );
  const where = c[source]!;
  const secret = source.endsWith("File")
    ? () => fromFile(`${FIELD}.${source}`, where)
    : () => fromEnv(`${FIELD}.${source}`, where);
  return client ? { kind: "client", clientId: c.clientId!, secret } : { kind: "token", secret };
}

function fromFile(field: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ProviderError(
      `${field}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  // Without the final line break that editors and `echo` add.
  return remember(field, text.replace(/\r?\n$/, ""));
}

function fromEnv(field: string, name: string): string {
  if (!ENV_NAME.test(name)) throw new ProviderError(`${field} is not an environment variable name`);
  return remember(field, process.env[name] ?? "");
}

function remember(field: string, secret: string): string {
  if (secret === "") throw new ProviderError(`${field}: the secret is empty`);
  seen.add(secret);
  return secret;
}

/**
 * The text with every secret read so far (as is and as written inside a JSON string) replaced by `***`;
 * from 4 characters on, as the run gateway masks (a shorter one would wreck the text and hide nothing).
 */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const secret of seen) {
    if (secret.length < 4) continue;
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1)]))
      out = out.split(form).join("***");
  }
  return out;
}
