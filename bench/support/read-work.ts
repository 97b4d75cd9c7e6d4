type Edges<T> = { edges: { cursor: string; node: T }[] };
type Service = { domain: string };
type Deployment = { name: string; services: Edges<Service> };
type Operator = { slug: string; deployments: Edges<Deployment> };
/** The bench query's answer, as both fedicentral's and PostGraphile's (aliased) query name it. */
export type ReadAnswer = { operators: Edges<Operator> };

/** What an answer to the nested read carries: its rows, in order, and how many values in all. */
export type ReadWork = {
  operators: number;
  deployments: number;
  services: number;
  /** The rows in answer order, as "operator slug/deployment name/service domain". */
  rows: string[];
  /** Scalars (JSON leaves included): a missing or extra field anywhere changes it. */
  values: number;
};

export function readWork(answer: ReadAnswer): ReadWork {
  const rows: string[] = [];
  let deployments = 0;
  for (const { node: o } of answer.operators.edges) {
    for (const { node: d } of o.deployments.edges) {
      deployments += 1;
      for (const { node: s } of d.services.edges) rows.push(`${o.slug}/${d.name}/${s.domain}`);
    }
  }
  return {
    operators: answer.operators.edges.length,
    deployments,
    services: rows.length,
    rows,
    values: countValues(answer),
  };
}

/**
 * The first way two answers differ in their work (counts, rows, number of values), or null. Values are
 * counted, not compared: the two servers format ids, cursors and timestamps each in their own way.
 */
export function workDifference(a: ReadWork, b: ReadWork): string | null {
  for (const k of ["operators", "deployments", "services", "values"] as const) {
    if (a[k] !== b[k]) return `${k}: ${a[k]} vs ${b[k]}`;
  }
  const i = a.rows.findIndex((r, j) => r !== b.rows[j]);
  return i < 0 ? null : `row ${i}: ${a.rows[i]} vs ${b.rows[i]}`;
}

function countValues(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + countValues(x), 0);
  if (v !== null && typeof v === "object")
    return Object.values(v).reduce((n: number, x) => n + countValues(x), 0);
  return 1;
}
