import { type CryptoKey, importJWK, type JWK } from "jose";
import type { SigningKeys } from "./signing-keys.js";

type Entry = { key: CryptoKey | Uint8Array; alg: string; expiresAt: number | null };

/** An unknown kid triggers a reload at most this often, so garbage kids cannot hammer PostgreSQL. */
const MIN_RELOAD_INTERVAL_MS = 1000;

/**
 * The public signing keys, in process, for verifying our own tokens without a request to ourselves.
 * Reloaded when a kid is unknown (a replica rotated) and when told the key set changed.
 */
export class KeyRing {
  private entries = new Map<string, Entry>();
  private loading: Promise<void> | null = null;
  private lastLoad = 0;
  /** Bumped on every reload; caches of verified tokens keyed on it forget what the old keys vouched for. */
  generation = 0;

  constructor(private readonly keys: SigningKeys) {}

  async load(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const published = await this.keys.published();
        const next = new Map<string, Entry>();
        for (const k of published) {
          next.set(k.kid, {
            key: await importJWK(k.publicJwk as JWK, k.alg),
            alg: k.alg,
            expiresAt: k.expiresAt ? k.expiresAt.getTime() : null,
          });
        }
        this.entries = next;
        this.lastLoad = Date.now();
        this.generation++;
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  /** The key for a token header, or null: unknown, expired, or of another algorithm. */
  async find(kid: string | undefined, alg: string): Promise<CryptoKey | Uint8Array | null> {
    if (!kid) return null;
    let entry = this.entries.get(kid);
    if (!entry && Date.now() - this.lastLoad >= MIN_RELOAD_INTERVAL_MS) {
      await this.load();
      entry = this.entries.get(kid);
    }
    if (!entry || entry.alg !== alg) return null;
    if (entry.expiresAt !== null && entry.expiresAt <= Date.now()) return null;
    return entry.key;
  }
}
