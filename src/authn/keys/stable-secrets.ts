import { randomBytes } from "node:crypto";
import type { DataSource } from "typeorm";
import type { SecretBox } from "../../common/secret-box.js";
import { sql } from "../../db/named-sql.js";

const SECRET_INSERT = sql(
  "authn.secret.insert",
  `INSERT INTO auth_secret (name, value_sealed) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
);
const GET = sql("authn.secret.get", `SELECT value_sealed AS "valueSealed" FROM auth_secret WHERE name = $1`);

/**
 * A secret every replica must share and that must survive restarts (cookie signing keys, the DPoP nonce
 * secret): created once, by whichever process asks first, then read by all.
 */
export async function stableSecret(
  ds: DataSource,
  box: SecretBox,
  name: string,
  bytes = 32,
): Promise<Buffer> {
  const label = `auth_secret:${name}`;
  await ds.query(SECRET_INSERT, [name, box.seal(randomBytes(bytes), label)]);
  const [row] = await ds.query(GET, [name]);
  return box.open(row.valueSealed, label);
}
