import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import type { MigrationInterface, QueryRunner } from "typeorm";

const GENESIS = "0".repeat(64);

type Legacy = { id: string; chain: string; seq: string; headHash: string; signedAt: string; keyId: string };

/**
 * Checkpoints are numbered per chain and name their predecessor. Those signed before (version 1) are
 * numbered in chain order and linked here, each to the SHA-256 of its predecessor's version 1 signed
 * bytes; their number and link are not under their signature, the next version 2 checkpoint's are.
 * The payload is written out here rather than imported, so this migration means the same forever.
 */
export class AccountingCheckpointChain1796515184606 implements MigrationInterface {
  name = "AccountingCheckpointChain1796515184606";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "accounting_checkpoint" ADD "number" bigint`);
    await queryRunner.query(`ALTER TABLE "accounting_checkpoint" ADD "prev_checkpoint_hash" text`);
    await queryRunner.query(`ALTER TABLE "accounting_checkpoint" ADD "version" smallint`);
    const rows = (await queryRunner.query(
      `SELECT id::text AS id, chain, seq::text AS seq, head_hash AS "headHash",
              to_char(signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "signedAt",
              key_id AS "keyId"
         FROM accounting_checkpoint ORDER BY chain, seq, id`,
    )) as Legacy[];
    const numbered: { id: string; n: number; p: string }[] = [];
    let last: { chain: string; n: number; digest: string } | null = null;
    for (const r of rows) {
      const prev: { n: number; digest: string } | null = last?.chain === r.chain ? last : null;
      const n: number = (prev?.n ?? 0) + 1;
      numbered.push({ id: r.id, n, p: prev?.digest ?? GENESIS });
      last = { chain: r.chain, n, digest: legacyDigest(r) };
    }
    if (numbered.length > 0) {
      // The log's append-only trigger is off for this one statement of the migration's transaction.
      await queryRunner.query(
        `ALTER TABLE accounting_checkpoint DISABLE TRIGGER accounting_checkpoint_append_only`,
      );
      await queryRunner.query(
        `UPDATE accounting_checkpoint k SET number = t.n, prev_checkpoint_hash = t.p, version = 1
           FROM json_to_recordset($1::json) AS t(id bigint, n bigint, p text) WHERE k.id = t.id`,
        [JSON.stringify(numbered)],
      );
      await queryRunner.query(
        `ALTER TABLE accounting_checkpoint ENABLE ALWAYS TRIGGER accounting_checkpoint_append_only`,
      );
    }
    for (const column of ["number", "prev_checkpoint_hash", "version"]) {
      await queryRunner.query(`ALTER TABLE "accounting_checkpoint" ALTER COLUMN "${column}" SET NOT NULL`);
    }
    await queryRunner.query(
      `CREATE UNIQUE INDEX "accounting_checkpoint_chain_number_key" ON "accounting_checkpoint"  ("chain", "number") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."accounting_checkpoint_chain_number_key"`);
    await queryRunner.query(`ALTER TABLE "accounting_checkpoint" DROP COLUMN "version"`);
    await queryRunner.query(`ALTER TABLE "accounting_checkpoint" DROP COLUMN "prev_checkpoint_hash"`);
    await queryRunner.query(`ALTER TABLE "accounting_checkpoint" DROP COLUMN "number"`);
  }
}

/** SHA-256 of a version 1 checkpoint's signed bytes. */
function legacyDigest(r: Legacy): string {
  const payload = canonicalize({
    type: "fedicentral.accounting.checkpoint.v1",
    chain: r.chain,
    seq: Number(r.seq),
    headHash: r.headHash,
    signedAt: r.signedAt,
    keyId: r.keyId,
  })!;
  return createHash("sha256").update(payload).digest("hex");
}
