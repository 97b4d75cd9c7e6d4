import { afterEach } from "@jest/globals";
import {
  makeV1Token,
  makeV2Token,
  startFakeNetbox,
  type FakeNetbox,
  type FakeNetboxOptions,
} from "../fakes/netbox/index.js";

/** A v1 and a v2 token that the fakes of `useFakeNetbox` accept unless told otherwise. */
export const V1 = makeV1Token();
export const V2 = makeV2Token();

/**
 * Fake NetBoxes for a test file, each stopped after its test. They take both tokens, but NetBox 4.2
 * knows no v2 tokens; options override either.
 */
export function useFakeNetbox(): (options?: FakeNetboxOptions) => Promise<FakeNetbox> {
  const running: FakeNetbox[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((nb) => nb.stop()));
  });
  return async (options = {}) => {
    const nb = await startFakeNetbox({ tokens: options.version === "4.2" ? [V1] : [V1, V2], ...options });
    running.push(nb);
    return nb;
  };
}
