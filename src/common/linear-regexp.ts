import type { CodeOptions } from "ajv";
import { RE2JS } from "re2js";

type RegExpEngine = NonNullable<CodeOptions["regExp"]>;

/**
 * Ajv's engine for `pattern` and `patternProperties`: RE2 (re2js) matches in time linear in the input,
 * where RegExp backtracks exponentially on patterns such as `^(a+)+$`. Patterns RE2 cannot take
 * (backreferences, lookaround) throw here, so a schema holding one fails to compile and is refused.
 */
export const linearRegExp: RegExpEngine = Object.assign(
  (pattern: string) => {
    const re = RE2JS.compile(RE2JS.translateRegExp(pattern));
    // JSON Schema patterns match anywhere in the string, as test() does; Ajv keys compiled patterns by text.
    return { test: (s: string) => re.test(s), toString: () => pattern };
  },
  { code: "linearRegExp" },
);
