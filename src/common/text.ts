import { badInput } from "./errors.js";

// PostgreSQL stores neither NUL (text and jsonb refuse it) nor a lone UTF-16 surrogate (no UTF-8 form: pg
// would write U+FFFD into text columns, and jsonb refuses the escape).
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** JSON input nested deeper than this is refused before anything walks it recursively. */
export const MAX_INPUT_DEPTH = 64;

export const isStorableText = (s: string): boolean => !UNSTORABLE.test(s);

export type InputProblem = { path: string; message: string };

const unstorable = (path: string): InputProblem => ({
  path,
  message: `${path} contains a NUL character or an unpaired surrogate, which cannot be stored`,
});

/**
 * The first place in a JSON-like value holding text PostgreSQL cannot store (a key's problem is its
 * object's path), or nested deeper than maxDepth; null when there is none. Walks without recursion.
 */
export function inputProblem(value: unknown, path: string, maxDepth = MAX_INPUT_DEPTH): InputProblem | null {
  const stack: [unknown, string, number][] = [[value, path, 0]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [v, p, d] = item;
    if (typeof v === "string") {
      if (!isStorableText(v)) return unstorable(p);
    } else if (typeof v === "object" && v !== null) {
      if (d >= maxDepth) return { path: p, message: `${p} is nested deeper than ${maxDepth} levels` };
      if (Array.isArray(v)) {
        for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${p}.${i}`, d + 1]);
      } else {
        for (const [k, x] of Object.entries(v)) {
          if (!isStorableText(k)) return unstorable(p);
          stack.push([x, `${p}.${k}`, d + 1]);
        }
      }
    }
  }
  return null;
}

/** Throws BAD_USER_INPUT naming the place when value holds text PostgreSQL cannot store. */
export function assertStorable(value: unknown, field: string): void {
  const problem = inputProblem(value, field);
  if (problem) throw badInput(problem.path, problem.message);
}
