import { createWriteStream, existsSync, readFileSync } from "node:fs";
import type { Writable } from "node:stream";
import { SingleBar } from "cli-progress";
import { type Command, InvalidArgumentError, Option } from "commander";
import { loadAccountingConfig } from "../accounting/accounting-config.js";
import { PROVIDER_CHAIN } from "../accounting/chain.js";
import { signChainHeads } from "../accounting/checkpoints.js";
import { sealPending } from "../accounting/sealer.js";
import { EXPORT_FORMATS, type ExportFormat, recordExport, writeExport } from "../accounting/export.js";
import { listPublicKeys, parsePublicKeys, rotateSigningKey, toJwk } from "../accounting/signing.js";
import { verifyExportFile } from "../accounting/verify-export.js";
import { createWitness } from "../accounting/witness.js";
import { type ChainPin, parsePin, readWitnessFile } from "../accounting/witness-check.js";
import type { Checkpoint } from "../accounting/chain.js";
import { createLogger } from "../logger.js";
import { fromGlobalId } from "../common/global-id.js";
import { dbOf } from "../db/db.js";
import { commandLineCaller } from "./cli-caller.js";
import { withDatabase } from "./database.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function registerAccountingCommands(program: Command): void {
  const acct = program
    .command("accounting")
    .description("the accounting log: exports, offline verification, keys");

  acct
    .command("verify <file>")
    .description("check an export offline: every hash, every link, every checkpoint signature")
    .requiredOption(
      "--public-key <key>",
      "a checkpoint public key: PEM, JWK, JWKS (GET /accounting/keys) or raw base64, inline or a file; repeatable",
      (v: string, all: string[] = []) => [...all, v],
    )
    .option(
      "--pin <pin>",
      "[CHAIN:]SEQ:HEADHASH of a checkpoint noted down elsewhere: the export must hold it; repeatable",
      (v: string, all: ChainPin[] = []) => {
        try {
          return [...all, parsePin(v)];
        } catch (e) {
          throw new InvalidArgumentError((e as Error).message);
        }
      },
    )
    .option(
      "--witness <file>",
      "a witness file (ACCOUNTING_WITNESS_FILE): the export must hold every checkpoint in it; repeatable",
      (v: string, all: string[] = []) => [...all, v],
    )
    .option(
      "--threads <n>",
      "worker threads hashing the file (default: the cores available)",
      (v: string) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("a whole number of at least 1");
        return n;
      },
    )
    .action(
      async (
        file: string,
        opts: { publicKey: string[]; threads?: number; pin?: ChainPin[]; witness?: string[] },
      ) => {
        let keys;
        try {
          keys = parsePublicKeys(opts.publicKey.map((k) => (existsSync(k) ? readFileSync(k, "utf8") : k)));
        } catch (e) {
          console.error(`fedicentral: --public-key: ${(e as Error).message}`);
          process.exitCode = 2;
          return;
        }
        const witnessed: Checkpoint[] = [];
        const witnessProblems: string[] = [];
        for (const w of opts.witness ?? []) {
          const read = await readWitnessFile(w, keys);
          witnessed.push(...read.checkpoints);
          witnessProblems.push(...read.problems.map((p) => `${w}: ${p}`));
        }
        const result = await verifyExportFile(file, keys, {
          threads: opts.threads,
          witness: witnessed,
          pins: opts.pin ?? [],
        });
        for (const c of result.chains) {
          const stretch =
            c.firstSeq === null ? "no events" : `events ${c.firstSeq}..${c.lastSeq ?? c.firstSeq}`;
          if (c.firstBad) {
            console.log(
              `chain ${c.chain}: FAILED at sequence number ${c.firstBad.seq}: ${c.firstBad.problem}`,
            );
          } else {
            const signed =
              c.lastCheckpointSeq === null
                ? "no checkpoint covers it"
                : `${c.checkpoints} checkpoints verified, the last at ${c.lastCheckpointSeq}`;
            console.log(`chain ${c.chain}: ok, ${stretch}, ${signed}`);
          }
        }
        for (const p of result.problems) console.log(`file: ${p}`);
        for (const p of witnessProblems) console.log(`witness: ${p}`);
        const ok = result.ok && witnessProblems.length === 0;
        console.log(
          `${ok ? "OK" : "FAILED"}: ${result.events} events and ${result.checkpoints} checkpoints in ` +
            `${result.chains.length} chains`,
        );
        if (!ok) process.exitCode = 1;
      },
    );

  acct
    .command("export")
    .description(
      "write the log (events with their chain fields and the checkpoints covering them) from the database",
    )
    .option(
      "--operator <id>",
      `an operator's global id or uuid, or "${PROVIDER_CHAIN}"; default: every chain`,
    )
    .option("--from <time>", "events that occurred at or after this RFC 3339 time")
    .option("--to <time>", "events that occurred before this RFC 3339 time")
    .addOption(new Option("--format <format>", "output format").choices([...EXPORT_FORMATS]).default("jsonl"))
    .option("-o, --output <file>", "write here instead of standard output")
    .action(
      async (opts: {
        operator?: string;
        from?: string;
        to?: string;
        format: ExportFormat;
        output?: string;
      }) => {
        const scope = {
          chain: chainOption(opts.operator),
          from: timeOption(opts.from, "from"),
          to: timeOption(opts.to, "to"),
        };
        const out: Writable = opts.output ? createWriteStream(opts.output) : process.stdout;
        // A progress bar only for a person watching: stderr on a terminal, and the export not going there.
        const bar =
          process.stderr.isTTY && (opts.output || !process.stdout.isTTY)
            ? new SingleBar({
                stream: process.stderr,
                format: "exporting [{bar}] {percentage}% {value}/{total} events, {eta_formatted} left",
                hideCursor: true,
              })
            : null;
        const counts = await withDatabase(async (ds) => {
          await recordExport(ds, commandLineCaller("accounting export"), scope);
          // Everything committed before the export started is in it, with or without a server running.
          await sealPending(ds);
          return writeExport(ds, scope, opts.format, out, {
            checkpointIntervalMs: loadAccountingConfig().checkpointIntervalMs,
            onStart: (total) => bar?.start(total, 0),
            onEvents: (n) => bar?.increment(n),
          });
        }).finally(() => bar?.stop());
        if (opts.output)
          console.error(
            `wrote ${counts.events} events and ${counts.checkpoints} checkpoints to ${opts.output}`,
          );
      },
    );

  acct
    .command("keys")
    .description("print the checkpoint public keys as a JWKS (as GET /accounting/keys does)")
    .action(async () => {
      const keys = await withDatabase((ds) =>
        listPublicKeys(dbOf(ds), loadAccountingConfig().signingKeySecret),
      );
      console.log(JSON.stringify({ keys: keys.map(toJwk) }, null, 2));
    });

  acct
    .command("checkpoint")
    .description(
      "seal pending events and sign every chain head that moved (needs ACCOUNTING_SIGNING_KEY_SECRET)",
    )
    .action(async () => {
      const secret = requireSecret();
      const witness = createWitness(
        loadAccountingConfig().witness,
        createLogger(process.env.LOG_LEVEL ?? "warn"),
      );
      const made = await withDatabase((ds) =>
        signChainHeads(ds, secret, { caller: commandLineCaller("accounting checkpoint"), witness }),
      );
      await witness.settled();
      console.log(
        made.length ? `signed ${made.length} chain heads with key ${made[0]!.keyId}` : "no chain moved",
      );
    });

  acct
    .command("rotate-key")
    .description("make a new checkpoint signing key; the old one is kept to verify old checkpoints")
    .action(async () => {
      const secret = requireSecret();
      const signer = await withDatabase((ds) =>
        rotateSigningKey(ds, secret, commandLineCaller("accounting rotate-key")),
      );
      console.log(`new active key ${signer.keyId}`);
    });
}

function chainOption(operator: string | undefined): string | null {
  if (operator === undefined) return null;
  if (operator === PROVIDER_CHAIN || UUID.test(operator)) return operator;
  const id = fromGlobalId(operator);
  if (id?.type === "Operator") return id.id;
  throw new Error(`--operator: not an operator id: ${operator}`);
}

function timeOption(value: string | undefined, name: string): string | null {
  if (value === undefined) return null;
  if (Number.isNaN(Date.parse(value))) throw new Error(`--${name}: not an RFC 3339 time: ${value}`);
  return new Date(value).toISOString();
}

function requireSecret(): Buffer {
  const secret = loadAccountingConfig().signingKeySecret;
  if (!secret)
    throw new Error("ACCOUNTING_SIGNING_KEY_SECRET (or ACCOUNTING_SIGNING_KEY_SECRET_FILE) is not set");
  return secret;
}
