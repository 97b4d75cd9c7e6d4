import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { DataSource } from "typeorm";
import { CatalogService } from "../catalog/catalog.service.js";
import type { DefaultResourcesInput, UpdateServiceTypeInput } from "../catalog/service-type.inputs.js";
import { StorageKind } from "../catalog/service-type.types.js";
import { toGlobalId } from "../common/global-id.js";
import { sql } from "../db/named-sql.js";
import { commandLineCaller } from "./cli-caller.js";
import { type Json, run } from "./command-run.js";
import { UsageError, providerIdOf } from "./domain-option.js";

const TYPES = sql(
  "cli.catalog.types",
  `SELECT slug, name, federated, reference IS NULL AS bespoke, retired_at AS "retiredAt"
     FROM service_type WHERE provider_id = $1 ORDER BY slug`,
);
const TYPE_BY_SLUG = sql(
  "cli.catalog.typeBySlug",
  `SELECT id FROM service_type WHERE provider_id = $1 AND slug = $2`,
);

type Where = { provider: string; slug: string };
type Fields = {
  name?: string;
  description?: string;
  federated?: boolean;
  storage?: string;
  vcpus?: string;
  memoryGib?: string;
  blockGib?: string;
  blobGib?: string;
  optionsSchema?: string;
};

/**
 * A provider's service catalog from the command line (`fedicentral catalog …`), through the same service
 * as the API: each change checked and accounted alike, recorded as the command's system caller.
 */
export function registerCatalogCommands(program: Command): void {
  const catalog = program.command("catalog").description("a provider's service catalog");
  const which = (c: Command) =>
    c
      .requiredOption("--provider <slug>", "the provider whose catalog it is")
      .requiredOption("--slug <slug>", "the service type, e.g. mastodon")
      .option("--json", "print JSON");
  const fields = (c: Command) =>
    c
      .option("--description <text>", "what it is")
      .option("--federated", "a fedi service: it federates")
      .option("--no-federated", "a plain service: it does not federate")
      .option("--storage <kinds>", "storage kinds it uses: block, blob, both (block,blob) or none")
      .option("--vcpus <n>", "default vCPUs")
      .option("--memory-gib <n>", "default memory, GiB")
      .option("--block-gib <n>", "default block storage, GiB")
      .option("--blob-gib <n>", "default blob storage, GiB")
      .option("--options-schema <file>", "a file holding the JSON Schema of the services' options");

  catalog
    .command("list")
    .description("list a provider's service types")
    .requiredOption("--provider <slug>", "the provider")
    .option("--json", "print JSON")
    .action((o: { provider: string } & Json) =>
      run(o, async (ds) => {
        const rows: { retiredAt: Date | null }[] = await ds.query(TYPES, [
          await providerIdOf(ds, o.provider),
        ]);
        return rows.map((r) => ({ ...r, retiredAt: r.retiredAt?.toISOString() ?? null }));
      }),
    );

  fields(which(catalog.command("create").description("add a service type of the provider's own")))
    .requiredOption("--name <name>", "display name")
    .action((o: Where & Fields & Json) =>
      run(o, async (ds) => {
        const providerId = await providerIdOf(ds, o.provider);
        const id = await new CatalogService(ds).create(commandLineCaller("catalog create"), {
          providerId: toGlobalId("Provider", providerId),
          slug: o.slug,
          name: o.name!,
          ...fieldsOf(o),
        });
        return { id: toGlobalId("ServiceType", id), slug: o.slug };
      }),
    );

  fields(which(catalog.command("update").description("change a service type")))
    .option("--name <name>", "display name")
    .action((o: Where & Fields & Json) =>
      run(o, async (ds) => {
        const id = await typeId(ds, o);
        await new CatalogService(ds).update(commandLineCaller("catalog update"), id, {
          name: o.name,
          ...fieldsOf(o),
        });
        return { id, slug: o.slug };
      }),
    );

  which(catalog.command("retire").description("take no new services of the type; existing ones keep working"))
    .option("--even-if-in-use", "retire it although deployments have services of it")
    .action((o: Where & { evenIfInUse?: boolean } & Json) =>
      run(o, async (ds) => {
        const id = await typeId(ds, o);
        await new CatalogService(ds).retire(commandLineCaller("catalog retire"), id, o.evenIfInUse === true);
        return { id, slug: o.slug, retired: true };
      }),
    );

  which(catalog.command("unretire").description("take new services of a retired type again")).action(
    (o: Where & Json) =>
      run(o, async (ds) => {
        const id = await typeId(ds, o);
        await new CatalogService(ds).unretire(commandLineCaller("catalog unretire"), id);
        return { id, slug: o.slug, retired: false };
      }),
  );
}

async function typeId(ds: DataSource, o: Where): Promise<string> {
  const [row] = await ds.query(TYPE_BY_SLUG, [await providerIdOf(ds, o.provider), o.slug]);
  if (!row) throw new UsageError(`provider ${o.provider} has no service type ${o.slug}`);
  return toGlobalId("ServiceType", row.id);
}

/** The options as the service takes them; sizes and the schema file are read and checked here. */
function fieldsOf(o: Fields): Omit<UpdateServiceTypeInput, "name"> {
  const resources: DefaultResourcesInput = {
    vcpus: count(o.vcpus, "--vcpus"),
    memoryGib: count(o.memoryGib, "--memory-gib"),
    blockStorageGib: count(o.blockGib, "--block-gib"),
    blobStorageGib: count(o.blobGib, "--blob-gib"),
  };
  return {
    description: o.description,
    federated: o.federated,
    storageKinds: o.storage === undefined ? undefined : storageKinds(o.storage),
    defaultResources: Object.values(resources).some((x) => x !== undefined) ? resources : undefined,
    optionsSchema: o.optionsSchema === undefined ? undefined : schemaFrom(o.optionsSchema),
  };
}

function count(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${option} must be a whole number`);
  return Number(value);
}

function storageKinds(value: string): StorageKind[] {
  if (value === "none") return [];
  const known = Object.values(StorageKind) as string[];
  const kinds = value.split(",").map((k) => k.trim());
  const bad = kinds.find((k) => !known.includes(k));
  if (bad !== undefined) throw new UsageError(`--storage: unknown storage kind ${bad} (block, blob or none)`);
  return kinds as StorageKind[];
}

function schemaFrom(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`--options-schema: cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`--options-schema: ${file} is not JSON: ${(e as Error).message}`);
  }
}
