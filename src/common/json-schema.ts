import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { badInput } from "./errors.js";

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const ajv = addFormats(new Ajv({ allErrors: true, strict: false, useDefaults: false }));
const compiled = new Map<string, ValidateFunction>();

function compile(schema: object, field: string): ValidateFunction {
  const key = JSON.stringify(schema);
  let fn = compiled.get(key);
  if (!fn) {
    try {
      fn = ajv.compile(schema);
    } catch (e) {
      throw badInput(field, `schema is not a valid JSON Schema: ${(e as Error).message}`);
    }
    compiled.set(key, fn);
  }
  return fn;
}

/** Fails with BAD_USER_INPUT when schema itself is not a usable JSON Schema. */
export function assertValidSchema(schema: unknown, field: string): void {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
    throw badInput(field, `${field} must be a JSON Schema object`);
  }
  compile(schema, field);
}

/** Validates value against schema; errors name the field and each offending JSON pointer. */
export function assertMatchesSchema(schema: object, value: unknown, field: string): void {
  const fn = compile(schema, field);
  if (fn(value)) return;
  const errors = (fn.errors ?? []).map((e: ErrorObject) => ({
    path: `${field}${e.instancePath.replace(/\//g, ".")}`,
    message: e.message ?? "invalid",
  }));
  const first = errors[0];
  throw badInput(first?.path ?? field, `${first?.path ?? field} ${first?.message ?? "is invalid"}`, {
    errors,
  });
}
