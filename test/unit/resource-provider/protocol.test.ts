import { describe, expect, it } from "@jest/globals";
import { credentialsOf, scrubSecrets } from "../../../src/resource-provider/credentials.js";
import { ProviderError, type ResourceTypes, serve } from "../../../src/resource-provider/protocol.js";
import { fedicentralResourceTypes } from "../../../src/resource-provider/resource-types.js";

async function* linesOf(...lines: string[]) {
  yield* lines;
}

const echo: ResourceTypes = {
  create: async (type, inputs, isStateful) => {
    if (type === "boom") throw new Error("disk on fire");
    if (type === "refuse") throw new ProviderError("refused on purpose");
    return { type, inputs, isStateful };
  },
  update: async (type, inputs, previous) => ({ type, inputs, previous: previous.outputs ?? null }),
};

async function exchange(types: ResourceTypes, ...lines: string[]) {
  const out: string[] = [];
  const { failed } = await serve(linesOf(...lines), async (l) => void out.push(l), types, scrubSecrets);
  return { failed, responses: out.map((l) => JSON.parse(l)) };
}

describe("the resource provider protocol (v0, JSON lines)", () => {
  it("answers each request line in order, one line each, and counts the failures", async () => {
    const { failed, responses } = await exchange(
      echo,
      JSON.stringify({ createResourceRequest: { type: "a", inputProperties: { x: 1 }, isStateful: true } }),
      "",
      "{not json",
      JSON.stringify({
        updateResourceRequest: {
          resource: { type: "a", inputProperties: { x: 1 }, outputProperties: { y: 2 } },
          inputProperties: { x: 3 },
        },
      }),
      JSON.stringify({ createResourceRequest: { type: "refuse", inputProperties: {}, isStateful: false } }),
      JSON.stringify({ createResourceRequest: { type: "boom", inputProperties: {}, isStateful: false } }),
    );
    expect(responses).toEqual([
      { createResourceResponse: { outputProperties: { type: "a", inputs: { x: 1 }, isStateful: true } } },
      { errorResponse: { message: "the request is not a JSON value" } },
      { updateResourceResponse: { outputProperties: { type: "a", inputs: { x: 3 }, previous: { y: 2 } } } },
      { errorResponse: { message: "refused on purpose" } },
      { errorResponse: { message: "internal error: disk on fire" } },
    ]);
    expect(failed).toBe(3);
  });

  it("refuses malformed requests: unknown fields, two requests in one message, missing fields", async () => {
    const { responses } = await exchange(
      echo,
      JSON.stringify({
        createResourceRequest: { type: "a", inputProperties: {}, isStateful: false, extra: 1 },
      }),
      JSON.stringify({
        createResourceRequest: { type: "a", inputProperties: {}, isStateful: false },
        stateResourceReadRequest: {},
      }),
      JSON.stringify({ updateResourceRequest: { inputProperties: {} } }),
    );
    expect(responses.map((r) => r.errorResponse.message)).toEqual([
      'malformed request: request.createResourceRequest: unknown field "extra"',
      "malformed request: request must NOT have more than 1 properties",
      "malformed request: request.updateResourceRequest must have required property 'resource'",
    ]);
  });

  it("checks a resource's inputs before it calls anything, naming every problem", async () => {
    const { responses } = await exchange(
      fedicentralResourceTypes,
      JSON.stringify({
        createResourceRequest: {
          type: "fedicentral_resource_state",
          inputProperties: {
            url: "http://127.0.0.1:1",
            credentials: { accessTokenEnv: "X", accessToken: "pasted-by-mistake" },
            deploymentId: "d",
            resources: [{ kind: "vm", name: "a.vm", status: "FINE" }],
          },
          isStateful: false,
        },
      }),
    );
    expect(responses[0].errorResponse.message).toBe(
      'fedicentral_resource_state: inputProperties.credentials: unknown field "accessToken"; ' +
        "inputProperties.resources[0].status must be one of HEALTHY, DEGRADED, FAILED, MISSING, UNKNOWN",
    );
  });

  it("takes fedicentral's base URL only, never one holding a password", async () => {
    const ask = (url: string) =>
      exchange(
        fedicentralResourceTypes,
        JSON.stringify({
          createResourceRequest: {
            type: "fedicentral_deployment_config",
            inputProperties: { url, credentials: { accessTokenEnv: "X" }, deploymentId: "d" },
            isStateful: false,
          },
        }),
      );
    for (const url of ["https://reader:pa55word@fc.example", "ftp://fc.example", "https://fc.example/?a=1"]) {
      const { responses } = await ask(url);
      expect(responses[0].errorResponse.message).toBe(
        "fedicentral_deployment_config: inputProperties.url must be fedicentral's http(s) base URL, without credentials, query or fragment",
      );
    }
    expect((await ask("not a url")).responses[0].errorResponse.message).toMatch(/url is not a URL/);
  });

  it("takes exactly one secret source, with a client id for a client secret", () => {
    expect(() => credentialsOf({})).toThrow(/exactly one of/);
    expect(() => credentialsOf({ accessTokenEnv: "A", accessTokenFile: "/f" })).toThrow(/exactly one of/);
    expect(() => credentialsOf({ clientSecretEnv: "A" })).toThrow(
      "clientId is required with clientSecretEnv",
    );
    expect(() => credentialsOf({ clientId: "c", accessTokenEnv: "A" })).toThrow(/clientId goes with/);
    expect(() => credentialsOf({ accessTokenEnv: "NOT A NAME" }).secret()).toThrow(
      /not an environment variable/,
    );
    expect(() => credentialsOf({ accessTokenFile: "/nonexistent/token" }).secret()).toThrow(
      "inputProperties.credentials.accessTokenFile: cannot read /nonexistent/token (ENOENT)",
    );
  });

  it("never lets a secret it read out again, as is or inside a JSON string", () => {
    process.env.RP_TEST_SECRET = 'se"cret-4f2a';
    const c = credentialsOf({ accessTokenEnv: "RP_TEST_SECRET" });
    expect(c.kind === "token" && c.secret()).toBe('se"cret-4f2a');
    const line = JSON.stringify({ errorResponse: { message: `bad: se"cret-4f2a` } });
    expect(scrubSecrets(line)).toBe('{"errorResponse":{"message":"bad: ***"}}');
    expect(scrubSecrets('raw se"cret-4f2a')).toBe("raw ***");
    delete process.env.RP_TEST_SECRET;
  });
});
