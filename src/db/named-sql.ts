/**
 * Every named SQL statement, by name, as defined: what `npm run sql:emit` writes to schema/queries/ for
 * review, so a change to a query or its shape is a visible diff (a test fails while the files are stale).
 */
const statements = new Map<string, string>();

function name(key: string, text: string): void {
  const known = statements.get(key);
  if (known !== undefined && known !== text) throw new Error(`two SQL statements are named ${key}`);
  statements.set(key, text);
}

/**
 * Names a statement where it is defined (once, at module level: `<module>.<what>`); returns its text
 * unchanged.
 */
export function sql(key: string, text: string): string {
  name(key, text);
  return text;
}

const SLOT = /\{\{(\w+)\}\}/g;

/**
 * A statement composed per call: its text with a `{{slot}}` for each part that varies at run time
 * (conditions with numbered parameters, a page's order and limit, a VALUES list). The snapshot holds
 * the text with its slots; `fill` puts the parts in.
 */
export class SqlTemplate<S extends string> {
  private readonly pieces: string[];
  private readonly slots: S[];

  constructor(readonly text: string) {
    const split = text.split(SLOT);
    this.pieces = split.filter((_, i) => i % 2 === 0);
    this.slots = split.filter((_, i) => i % 2 === 1) as S[];
  }

  fill(parts: Readonly<Record<S, string>>): string {
    let out = this.pieces[0]!;
    for (let i = 0; i < this.slots.length; i++) {
      const part = parts[this.slots[i]!];
      if (part === undefined) throw new Error(`the SQL slot {{${this.slots[i]}}} is not filled`);
      out += part + this.pieces[i + 1]!;
    }
    return out;
  }
}

/** Names a composed statement where it is defined, as sql() does a fixed one. */
export function sqlTemplate<S extends string>(key: string, text: string): SqlTemplate<S> {
  name(key, text);
  return new SqlTemplate<S>(text);
}

export const namedStatements = (): ReadonlyMap<string, string> => statements;
