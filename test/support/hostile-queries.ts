/** query { ...F0 } and F0..F(levels-1) each spreading the next `spreads` times, the last selecting __typename. */
export const fragmentChain = (levels: number, spreads = 6) => {
  const parts = ["query { ...F0 }"];
  for (let i = 0; i < levels; i++)
    parts.push(`fragment F${i} on Query { ${`...F${i + 1} `.repeat(spreads)}}`);
  parts.push(`fragment F${levels} on Query { __typename }`);
  return parts.join("\n");
};

/** One query selecting `field` under n aliases. */
export const aliased = (n: number, field: string) =>
  `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(" ")} }`;
