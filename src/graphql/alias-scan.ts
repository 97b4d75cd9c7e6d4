/**
 * The aliases written in a query's text, counted without parsing it: a colon outside parentheses (where
 * arguments, variable definitions and their values live), strings and comments can only follow an alias.
 * Fragments are not followed, so this is at most the count the full measurement gives (which multiplies a
 * fragment by its spreads): a document over the cap here is over it there too, and is refused before a
 * parse allocates its tree, many times the size of its text, for every such request of a flood.
 */
export function aliasesWritten(source: string): number {
  let aliases = 0;
  let parens = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 0x23 /* # */) {
      while (i < source.length && source.charCodeAt(i) !== 0x0a && source.charCodeAt(i) !== 0x0d) i++;
    } else if (c === 0x22 /* " */) {
      if (source.startsWith('"""', i)) {
        // A block string ends at the next """ not escaped as \""".
        i += 3;
        while (i < source.length && !(source.startsWith('"""', i) && source.charCodeAt(i - 1) !== 0x5c)) i++;
        i += 2;
      } else {
        i++;
        while (i < source.length && source.charCodeAt(i) !== 0x22 && source.charCodeAt(i) !== 0x0a) {
          if (source.charCodeAt(i) === 0x5c /* \ */) i++;
          i++;
        }
      }
    } else if (c === 0x28 /* ( */) parens++;
    else if (c === 0x29 /* ) */) parens = Math.max(0, parens - 1);
    else if (c === 0x3a /* : */ && parens === 0) aliases++;
  }
  return aliases;
}
