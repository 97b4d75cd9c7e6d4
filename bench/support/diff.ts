/** The first place where two JSON values differ, as "path: a vs b", or null when they are equal. */
export function firstDifference(a: unknown, b: unknown, path = "$"): string | null {
  if (Object.is(a, b)) return null;
  const show = (v: unknown) => {
    const s = JSON.stringify(v) ?? String(v);
    return s.length > 200 ? `${s.slice(0, 200)}…` : s;
  };
  const mismatch = () => `${path}: ${show(a)} vs ${show(b)}`;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return mismatch();
  if (Array.isArray(a) !== Array.isArray(b)) return mismatch();
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return a.length === b.length ? null : `${path}: length ${a.length} vs ${b.length}`;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ra), ...Object.keys(rb)])) {
    if (!(k in ra)) return `${path}.${k}: missing vs ${show(rb[k])}`;
    if (!(k in rb)) return `${path}.${k}: ${show(ra[k])} vs missing`;
    const d = firstDifference(ra[k], rb[k], `${path}.${k}`);
    if (d) return d;
  }
  return null;
}
