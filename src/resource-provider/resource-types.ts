// fedicentral's resource types for NixOps4 (README "The nixops4 contract" §7): the input schemas (unknown
// fields refused), and what create and update do. Both types read or write through the GraphQL API.

import { createHash } from "node:crypto";
import { Ajv, type ValidateFunction } from "ajv";
import canonicalize from "canonicalize";
import { redactSecrets } from "../resources/redact.js";
import { ApiClient } from "./api-client.js";
import { type CredentialsInput, credentialsOf } from "./credentials.js";
import { type Properties, ProviderError, type ResourceTypes, describeErrors } from "./protocol.js";

export const DEPLOYMENT_CONFIG = "fedicentral_deployment_config";
export const RESOURCE_STATE = "fedicentral_resource_state";

const text = (max: number) => ({ type: "string", minLength: 1, maxLength: max });
const optional = (schema: object) => ({ anyOf: [schema, { type: "null" }] });
const CONNECTION = {
  url: text(2000),
  credentials: {
    type: "object",
    additionalProperties: false,
    properties: {
      clientId: text(200),
      clientSecretFile: text(4096),
      clientSecretEnv: text(200),
      accessTokenFile: text(4096),
      accessTokenEnv: text(200),
    },
  },
  deploymentId: text(200),
};
const STATUS = ["HEALTHY", "DEGRADED", "FAILED", "MISSING", "UNKNOWN"];

const SCHEMAS = {
  [DEPLOYMENT_CONFIG]: {
    type: "object",
    additionalProperties: false,
    required: ["url", "credentials", "deploymentId"],
    properties: { ...CONNECTION, which: { enum: ["STAGED", "DEPLOYED"] } },
  },
  [RESOURCE_STATE]: {
    type: "object",
    additionalProperties: false,
    required: ["url", "credentials", "deploymentId", "resources"],
    properties: {
      ...CONNECTION,
      complete: { type: "boolean" },
      resources: {
        type: "array",
        minItems: 1,
        items: {
          type: "object",
          additionalProperties: false,
          required: ["kind", "name", "status"],
          properties: {
            kind: text(100),
            name: text(500),
            status: { enum: STATUS },
            serviceId: optional(text(200)),
            generation: optional({ type: "integer", minimum: 0 }),
            outputs: optional({ type: "object" }),
            observedAt: optional(text(100)),
          },
        },
      },
    },
  },
} as const;

type Connection = { url: string; credentials: CredentialsInput; deploymentId: string };
type ConfigInputs = Connection & { which?: "STAGED" | "DEPLOYED" };
type StateInputs = Connection & {
  complete?: boolean;
  resources: { kind: string; name: string; status: string; [k: string]: unknown }[];
};

const ajv = new Ajv({ allErrors: true });
const validateConfig = ajv.compile<ConfigInputs>(SCHEMAS[DEPLOYMENT_CONFIG]);
const validateState = ajv.compile<StateInputs>(SCHEMAS[RESOURCE_STATE]);

function checked<T>(type: string, validate: ValidateFunction<T>, inputs: Properties): T {
  if (!validate(inputs))
    throw new ProviderError(`${type}: ${describeErrors(validate.errors ?? [], "inputProperties")}`);
  return inputs;
}

/** The API at `url`: http(s), no user name or password in it (a secret in an input would be kept in state). */
function clientOf(type: string, c: Connection): ApiClient {
  let url: URL;
  try {
    url = new URL(c.url);
  } catch {
    throw new ProviderError(`${type}: inputProperties.url is not a URL`);
  }
  if (
    (url.protocol !== "https:" && url.protocol !== "http:") ||
    url.username ||
    url.password ||
    url.search ||
    url.hash
  )
    throw new ProviderError(
      `${type}: inputProperties.url must be fedicentral's http(s) base URL, without credentials, query or fragment`,
    );
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return new ApiClient(url, credentialsOf(c.credentials));
}

const CONFIG_QUERY = `query ResourceProviderConfig($d: ID!, $which: ConfigurationKind!) {
  deploymentConfig(deploymentId: $d, which: $which)
}`;

/** The configuration document without its secrets, its digest, and which generation it is. */
async function readConfig(inputs: ConfigInputs): Promise<Properties> {
  const api = clientOf(DEPLOYMENT_CONFIG, inputs);
  const data = await api.request<{ deploymentConfig: { deployment?: { generation?: number } } | null }>(
    "deploymentConfig",
    CONFIG_QUERY,
    { d: inputs.deploymentId, which: inputs.which ?? "STAGED" },
  );
  const document = data.deploymentConfig;
  if (document === null) return { config: null, sha256: null, generation: null, redacted: [] };
  const { value, redacted } = redactSecrets(document);
  return {
    config: value,
    // Of what `config` holds: a digest over the secrets would let whoever reads the state test guesses.
    sha256: createHash("sha256").update(canonicalize(value)!).digest("hex"),
    generation: document.deployment?.generation ?? null,
    redacted,
  };
}

const REPORT_MUTATION = `mutation ResourceProviderReport($d: ID!, $r: [ResourceStateInput!]!, $complete: Boolean) {
  reportResourceState(deploymentId: $d, resources: $r, complete: $complete) {
    observedResources { kind name status generation serviceId outputs observedAt orphaned }
    drift { status }
  }
}`;

type Observed = { kind: string; name: string } & Properties;

/** Reports the resources' state; answers what fedicentral recorded of them (secrets already redacted). */
async function reportState(inputs: StateInputs): Promise<Properties> {
  const api = clientOf(RESOURCE_STATE, inputs);
  // Nix writes an unset option as null; the API takes an absent field for it.
  const resources = inputs.resources.map((r) =>
    Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null)),
  );
  const data = await api.request<{
    reportResourceState: { observedResources: Observed[]; drift: { status: string } };
  }>("reportResourceState", REPORT_MUTATION, {
    d: inputs.deploymentId,
    r: resources,
    complete: inputs.complete ?? false,
  });
  const { observedResources, drift } = data.reportResourceState;
  const recorded = inputs.resources.map(
    (r) => observedResources.find((o) => o.kind === r.kind && o.name === r.name) ?? null,
  );
  return { resources: recorded, driftStatus: drift.status };
}

async function act(type: string, inputs: Properties): Promise<Properties> {
  if (type === DEPLOYMENT_CONFIG) return readConfig(checked(type, validateConfig, inputs));
  if (type === RESOURCE_STATE) return reportState(checked(type, validateState, inputs));
  throw new ProviderError(
    `unknown resource type ${JSON.stringify(type)}: this provider has ${DEPLOYMENT_CONFIG} and ${RESOURCE_STATE}`,
  );
}

/**
 * Both types do the same on create and on update: read the configuration as it is now, report the state
 * as it is now. Neither needs state of its own; declared stateless, nixops4 asks on every apply.
 */
export const fedicentralResourceTypes: ResourceTypes = {
  create: (type, inputs) => act(type, inputs),
  update: (type, inputs) => act(type, inputs),
};
