import { createHash } from "node:crypto";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import canonicalize from "canonicalize";
import { LRUCache } from "lru-cache";
import { badInput } from "./errors.js";
import { linearRegExp } from "./linear-regexp.js";
import { inputProblem } from "./text.js";

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Larger or deeper schemas are refused: compiling one costs time and stack in proportion. */
export const MAX_SCHEMA_BYTES = 64 * 1024;
export const MAX_SCHEMA_DEPTH = 32;

/**
 * Whose schemas these are: `provider:<id>` for a provider's bespoke-info schemas, `catalog` for the
 * service types' option schemas. Compiled validators are cached per owner and schema text.
 */
export type SchemaOwner = `provider:${string}` | "catalog";
export const providerSchemas = (providerId: string): SchemaOwner => `provider:${providerId}`;
export const CATALOG_SCHEMAS: SchemaOwner = "catalog";

const validators = new LRUCache<string, ValidateFunction>({ max: 1000 });

/**
 * Each schema gets an Ajv of its own: nothing is registered process-wide, so a `$id` is visible only
 * inside its schema, a new version compiles afresh, and a `$ref` outside the schema cannot resolve (there
 * is no loadSchema) and fails to compile.
 */
function compileAlone(schema: object): ValidateFunction {
  const ajv = addFormats(
    new Ajv({ allErrors: true, strict: false, useDefaults: false, code: { regExp: linearRegExp } }),
  );
  return ajv.compile(schema);
}

function validatorOf(owner: SchemaOwner, schema: object, field: string): ValidateFunction {
  const problem = inputProblem(schema, field, MAX_SCHEMA_DEPTH);
  if (problem) throw badInput(field, problem.message);
  const text = canonicalize(schema) ?? "";
  if (Buffer.byteLength(text) > MAX_SCHEMA_BYTES)
    throw badInput(field, `${field} is larger than ${MAX_SCHEMA_BYTES} bytes`);
  const key = `${owner}:${createHash("sha256").update(text).digest("base64url")}`;
  let fn = validators.get(key);
  if (!fn) {
    try {
      fn = compileAlone(schema);
    } catch (e) {
      throw badInput(field, `schema is not a valid JSON Schema: ${(e as Error).message}`);
    }
    validators.set(key, fn);
  }
  return fn;
}

/** Fails with BAD_USER_INPUT when schema itself is not a usable JSON Schema within the limits. */
export function assertValidSchema(owner: SchemaOwner, schema: unknown, field: string): void {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
    throw badInput(field, `${field} must be a JSON Schema object`);
  }
  validatorOf(owner, schema, field);
}

/** Validates value against schema; errors name the field and each offending JSON pointer. */
export function assertMatchesSchema(owner: SchemaOwner, schema: object, value: unknown, field: string): void {
  const fn = validatorOf(owner, schema, field);
  if (fn(value)) return;
  const errors = (fn.errors ?? []).map(describe(field));
  const first = errors[0];
  throw badInput(first?.path ?? field, `${first?.path ?? field} ${first?.message ?? "is invalid"}`, {
    errors,
  });
}

/**
 * One failure at the path of the offending value: an unknown or a missing property is named itself
 * (`input.options.colour is not allowed`), not its object.
 */
const describe =
  (field: string) =>
  (e: ErrorObject): { path: string; message: string } => {
    const at = `${field}${e.instancePath.replace(/\//g, ".")}`;
    if (e.keyword === "additionalProperties")
      return { path: `${at}.${String(e.params.additionalProperty)}`, message: "is not allowed" };
    if (e.keyword === "required")
      return { path: `${at}.${String(e.params.missingProperty)}`, message: "is required" };
    return { path: at, message: e.message ?? "invalid" };
  };
