import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";
import type { DataSource, EntityManager } from "typeorm";
import { recordEvent } from "../../accounting/record-event.js";
import { type Caller, systemCaller } from "../../common/caller.js";
import type { SecretBox } from "../../common/secret-box.js";
import { sql } from "../../db/named-sql.js";
import { inTransaction } from "../../db/transaction.js";

export const SIGNING_ALGS = ["ES256", "RS256"] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

/** Told to every process when the key set changes (rotation, removal). */
export const KEYS_CHANGED_CHANNEL = "fedicentral_signing_keys";

/** How long a retired key stays published for verification: longer than any token it signed lives. */
export const DEFAULT_RETIRED_KEY_LIFETIME_SECONDS = 24 * 3600;

export type PublishedKey = {
  kid: string;
  alg: SigningAlg;
  publicJwk: JWK;
  active: boolean;
  expiresAt: Date | null;
};

type KeyRow = {
  kid: string;
  alg: SigningAlg;
  privateJwkSealed: string;
  publicJwk: JWK;
  retiredAt: Date | null;
  expiresAt: Date | null;
};

/** Changes to the key set are control events for auditors: which key ids stopped and started signing. */
const keyEvent = (
  tx: EntityManager,
  caller: Caller,
  action: "create" | "rotate" | "delete",
  kids: { before: string[]; after: string[] },
) =>
  recordEvent(tx, caller, {
    action,
    eventType: "control",
    targetKind: "signing_key",
    // The key removed, or (one of) the keys made.
    targetId: (action === "delete" ? kids.before[0] : kids.after[0]) ?? null,
    operatorId: null,
    changes: { signingKeys: { before: [...kids.before].sort(), after: [...kids.after].sort() } },
  });

const LOCK = sql(
  "authn.signingKey.lock",
  `SELECT pg_advisory_xact_lock(hashtext('fedicentral_signing_keys'))`,
);
const LIVE_KEYS = sql(
  "authn.signingKey.list",
  `SELECT kid, alg, private_jwk_sealed AS "privateJwkSealed", public_jwk AS "publicJwk",
  retired_at AS "retiredAt", expires_at AS "expiresAt"
  FROM signing_key WHERE expires_at IS NULL OR expires_at > now()
  ORDER BY (retired_at IS NULL) DESC, created_at DESC`,
);

const NOTIFY_CREATED = sql("authn.signingKey.notifyCreated", `SELECT pg_notify($1, 'created')`);
const RETIRE = sql(
  "authn.signingKey.retire",
  `UPDATE signing_key SET retired_at = now(), expires_at = now() + make_interval(secs => $1::int)
         WHERE retired_at IS NULL RETURNING kid`,
);
const NOTIFY_ROTATED = sql("authn.signingKey.notifyRotated", `SELECT pg_notify($1, 'rotated')`);
const SIGNING_KEY_DELETE = sql("authn.signingKey.delete", `DELETE FROM signing_key WHERE kid = $1`);
const NOTIFY_REMOVED = sql("authn.signingKey.notifyRemoved", `SELECT pg_notify($1, 'removed')`);
const ACTIVE_ALGORITHMS = sql(
  "authn.signingKey.activeAlgorithms",
  `SELECT alg FROM signing_key WHERE retired_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
);
const SIGNING_KEY_INSERT = sql(
  "authn.signingKey.insert",
  `INSERT INTO signing_key (kid, alg, private_jwk_sealed, public_jwk) VALUES ($1, $2, $3, $4)`,
);

/**
 * The provider's signing keys in PostgreSQL, private halves encrypted. One active key per algorithm
 * signs; rotation retires it (still published, verify-only) until it expires.
 */
export class SigningKeys {
  constructor(
    private readonly ds: DataSource,
    private readonly box: SecretBox,
  ) {}

  /** Creates the first keys on an empty database; replicas starting together create them once. */
  async ensure(): Promise<void> {
    await inTransaction(this.ds, async (tx) => {
      await tx.query(LOCK);
      await this.assertReadable(tx);
      const kids = await this.addMissing(tx);
      if (kids.length) {
        await keyEvent(tx, systemCaller(), "create", { before: [], after: kids });
        await tx.query(NOTIFY_CREATED, [KEYS_CHANGED_CHANNEL]);
      }
    });
  }

  /** New keys sign from now on; the previous ones stay for verification for keepSeconds. */
  async rotate(
    caller: Caller,
    keepSeconds = DEFAULT_RETIRED_KEY_LIFETIME_SECONDS,
  ): Promise<{ kids: string[]; retired: string[] }> {
    return inTransaction(this.ds, async (tx) => {
      await tx.query(LOCK);
      await this.assertReadable(tx);
      const [retired]: [{ kid: string }[], number] = await tx.query(RETIRE, [keepSeconds]);
      const kids: string[] = [];
      for (const alg of SIGNING_ALGS) kids.push(await this.insert(tx, alg));
      const retiredKids = retired.map((r) => r.kid);
      await keyEvent(tx, caller, "rotate", { before: retiredKids, after: kids });
      await tx.query(NOTIFY_ROTATED, [KEYS_CHANGED_CHANNEL]);
      return { kids, retired: retiredKids };
    });
  }

  /**
   * Withdraws a key at once (e.g. a compromised one): tokens it signed are refused from now on. An active
   * key is replaced in the same transaction, so that signing never stops.
   */
  async remove(caller: Caller, kid: string): Promise<boolean> {
    return inTransaction(this.ds, async (tx) => {
      await tx.query(LOCK);
      await this.assertReadable(tx);
      const [, count]: [unknown, number] = await tx.query(SIGNING_KEY_DELETE, [kid]);
      if (count === 0) return false;
      await keyEvent(tx, caller, "delete", { before: [kid], after: await this.addMissing(tx) });
      await tx.query(NOTIFY_REMOVED, [KEYS_CHANGED_CHANNEL]);
      return true;
    });
  }

  /** A new active key for every algorithm that has none; their ids. */
  private async addMissing(tx: EntityManager): Promise<string[]> {
    const active: { alg: SigningAlg }[] = await tx.query(ACTIVE_ALGORITHMS);
    const kids: string[] = [];
    for (const alg of SIGNING_ALGS)
      if (!active.some((k) => k.alg === alg)) kids.push(await this.insert(tx, alg));
    return kids;
  }

  /** Public keys still valid for verification, active ones first. */
  async published(): Promise<PublishedKey[]> {
    const rows: KeyRow[] = await this.ds.query(LIVE_KEYS);
    return rows.map((r) => ({
      kid: r.kid,
      alg: r.alg,
      publicJwk: r.publicJwk,
      active: r.retiredAt === null,
      expiresAt: r.expiresAt,
    }));
  }

  /** The private JWK set for oidc-provider: active keys sign, retired ones are verify-only. */
  async privateJwks(): Promise<{ keys: JWK[] }> {
    const rows: KeyRow[] = await this.ds.query(LIVE_KEYS);
    const keys = rows.map((r) => {
      const jwk = JSON.parse(
        this.box.open(r.privateJwkSealed, `signing_key:${r.kid}`).toString("utf8"),
      ) as JWK;
      return { ...jwk, kid: r.kid, alg: r.alg, use: "sig", ...(r.retiredAt ? { key_ops: ["verify"] } : {}) };
    });
    return { keys };
  }

  /** Fails (SecretBoxError) when this process's encryption key is not the one the keys were sealed with. */
  private async assertReadable(tx: EntityManager): Promise<void> {
    const rows: KeyRow[] = await tx.query(LIVE_KEYS);
    for (const r of rows) this.box.open(r.privateJwkSealed, `signing_key:${r.kid}`);
  }

  private async insert(tx: EntityManager, alg: SigningAlg): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const privateJwk = await exportJWK(privateKey);
    await tx.query(SIGNING_KEY_INSERT, [
      kid,
      alg,
      this.box.seal(JSON.stringify(privateJwk), `signing_key:${kid}`),
      { ...publicJwk, kid, alg, use: "sig" },
    ]);
    return kid;
  }
}
