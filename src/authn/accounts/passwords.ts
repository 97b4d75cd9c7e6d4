import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";
import pLimit from "p-limit";

// scrypt with OWASP's N=2^15, r=8, p=3 (32 MiB, a few tens of ms). Parameters travel with the hash, so
// they can be raised later and old hashes still verify.
const PARAMS = { N: 2 ** 15, r: 8, p: 3 };
const KEY_LENGTH = 32;
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 1024;

/**
 * Hashes at once, per process: each holds 32 MiB and a CPU, so a flood of sign-ins waits here instead of
 * taking every thread of the pool and its memory (which the allocator keeps once the hashes are done).
 */
export const PASSWORD_HASHES_AT_ONCE = 2;
const hashing = pLimit(PASSWORD_HASHES_AT_ONCE);

/** Hashes running now, for tests and metrics. */
export const passwordHashesRunning = () => hashing.activeCount;

function scrypt(password: string, salt: Buffer, opts: ScryptOptions & { N: number; r: number }) {
  return hashing(() => scryptNow(password, salt, opts));
}

function scryptNow(password: string, salt: Buffer, opts: ScryptOptions & { N: number; r: number }) {
  return new Promise<Buffer>((resolve, reject) =>
    scryptCb(
      password.normalize("NFKC"),
      salt,
      KEY_LENGTH,
      { ...opts, maxmem: 256 * opts.N * opts.r },
      (e, key) => (e ? reject(e) : resolve(key)),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, PARAMS);
  return ["scrypt", PARAMS.N, PARAMS.r, PARAMS.p, salt.toString("base64url"), key.toString("base64url")].join(
    "$",
  );
}

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  if (!stored) {
    // Same cost as a real check, so timing does not tell whether the account exists.
    await scrypt(password, DUMMY_SALT, PARAMS);
    return false;
  }
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64url");
  const key = await scrypt(password, Buffer.from(salt, "base64url"), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

const DUMMY_SALT = randomBytes(16);

/** Why a new password is refused, or null. Length is what matters (NIST SP 800-63B). */
export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters`;
  return null;
}
