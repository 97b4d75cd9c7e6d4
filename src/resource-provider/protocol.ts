// NixOps4's resource provider protocol, version 0 (README "The nixops4 contract" §7): JSON lines on
// stdin and stdout, one response per request, in order. Nothing here knows fedicentral's resource types.

import { Ajv, type ErrorObject } from "ajv";

export type Properties = Record<string, unknown>;

/** What nixops4 asks of a provider's resource types: create, and update for stateful resources. */
export interface ResourceTypes {
  create(type: string, inputs: Properties, isStateful: boolean): Promise<Properties>;
  update(
    type: string,
    inputs: Properties,
    previous: { inputs: Properties; outputs?: Properties },
  ): Promise<Properties>;
}

/** A failure whose message may go back to nixops4 as it is: it names what was wrong, never a secret. */
export class ProviderError extends Error {}

export type Response =
  | { createResourceResponse: { outputProperties: Properties } }
  | { updateResourceResponse: { outputProperties: Properties } }
  | { errorResponse: { message: string } };

const PROPERTIES = { type: "object" };
const TYPE = { type: "string", minLength: 1 };
// Unknown fields are refused at every level: a newer nixops4 sending more is told, not half understood.
const REQUEST = {
  type: "object",
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
  properties: {
    createResourceRequest: {
      type: "object",
      additionalProperties: false,
      required: ["type", "inputProperties", "isStateful"],
      properties: { type: TYPE, inputProperties: PROPERTIES, isStateful: { type: "boolean" } },
    },
    updateResourceRequest: {
      type: "object",
      additionalProperties: false,
      required: ["resource", "inputProperties"],
      properties: {
        resource: {
          type: "object",
          additionalProperties: false,
          required: ["type", "inputProperties"],
          properties: { type: TYPE, inputProperties: PROPERTIES, outputProperties: PROPERTIES },
        },
        inputProperties: PROPERTIES,
      },
    },
    // The state operations are for state storage resources, which fedicentral offers none of.
    stateResourceEvent: { type: "object" },
    stateResourceReadRequest: { type: "object" },
  },
} as const;

type Request =
  | { createResourceRequest: { type: string; inputProperties: Properties; isStateful: boolean } }
  | {
      updateResourceRequest: {
        resource: { type: string; inputProperties: Properties; outputProperties?: Properties };
        inputProperties: Properties;
      };
    }
  | { stateResourceEvent: object }
  | { stateResourceReadRequest: object };

const ajv = new Ajv({ allErrors: true });
const validateRequest = ajv.compile<Request>(REQUEST);

/** Ajv's errors as one line: `inputProperties.resources[0].status must be one of …; …`. */
export function describeErrors(errors: ErrorObject[], root: string): string {
  return errors
    .map((e) => {
      const at =
        root +
        e.instancePath
          .split("/")
          .slice(1)
          .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p.replace(/~1/g, "/").replace(/~0/g, "~")}`))
          .join("");
      if (e.keyword === "additionalProperties")
        return `${at}: unknown field ${JSON.stringify(e.params.additionalProperty)}`;
      if (e.keyword === "enum")
        return `${at} must be one of ${(e.params.allowedValues as string[]).join(", ")}`;
      return `${at} ${e.message ?? "is invalid"}`;
    })
    .join("; ");
}

/** The answer to one request line. Never throws: every failure is an errorResponse. */
export async function answer(line: string, types: ResourceTypes): Promise<Response> {
  try {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      throw new ProviderError("the request is not a JSON value");
    }
    if (!validateRequest(message))
      throw new ProviderError(
        `malformed request: ${describeErrors(validateRequest.errors ?? [], "request")}`,
      );
    if ("createResourceRequest" in message) {
      const r = message.createResourceRequest;
      return {
        createResourceResponse: {
          outputProperties: await types.create(r.type, r.inputProperties, r.isStateful),
        },
      };
    }
    if ("updateResourceRequest" in message) {
      const { resource, inputProperties } = message.updateResourceRequest;
      const previous = { inputs: resource.inputProperties, outputs: resource.outputProperties };
      return {
        updateResourceResponse: {
          outputProperties: await types.update(resource.type, inputProperties, previous),
        },
      };
    }
    throw new ProviderError(
      `${Object.keys(message)[0]} is for state storage resources; this provider has none`,
    );
  } catch (e) {
    const message =
      e instanceof ProviderError ? e.message : `internal error: ${(e as Error)?.message ?? String(e)}`;
    return { errorResponse: { message } };
  }
}

/**
 * Answers each request line in turn until the input ends. Every message passes through `scrub` on its
 * way out (the last guard against a secret in an error). Returns how many requests failed.
 */
export async function serve(
  lines: AsyncIterable<string>,
  write: (line: string) => Promise<void>,
  types: ResourceTypes,
  scrub: (text: string) => string = (t) => t,
): Promise<{ failed: number }> {
  let failed = 0;
  for await (const line of lines) {
    if (line.trim() === "") continue;
    const response = await answer(line, types);
    if ("errorResponse" in response) failed++;
    await write(scrub(JSON.stringify(response)));
  }
  return { failed };
}
