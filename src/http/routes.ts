/** The server's routes, by the prefix they are mounted on. */
const ROUTES = [
  "/graphql",
  "/explorer",
  "/oidc",
  "/interaction",
  "/accounting",
  "/webhooks/netbox",
  "/healthz",
  "/readyz",
  "/metrics",
];

/** The route prefix a path belongs to, or "other". */
export const routeOf = (path: string): string =>
  ROUTES.find((r) => path === r || path.startsWith(`${r}/`)) ?? "other";
