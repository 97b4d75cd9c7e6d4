const attr = (s: string) => s.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The explorer's page: markup only, every script and style sheet a file of the service. The settings the
 * script needs are attributes of a meta element (no inline script to hash).
 */
export function explorerPage(o: { page: string; issuer: string; clientId: string }): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fedicentral GraphQL explorer</title>
<meta name="fedicentral-explorer" data-page="${attr(o.page)}" data-issuer="${attr(o.issuer)}" data-client-id="${attr(o.clientId)}">
<link rel="stylesheet" href="/explorer/static/ruru.css">
<link rel="stylesheet" href="/explorer/explorer.css">
<link rel="modulepreload" href="/explorer/static/ruru.js">
<script type="module" src="/explorer/explorer.js"></script>
</head>
<body>
<div id="explorer-bar"></div>
<div id="explorer-root"></div>
</body>
</html>
`;
}

/**
 * Scripts, workers and requests: the service's own origin only (fonts also inline, as data: URLs). Styles also inline: the editor
 * (Monaco) and GraphiQL's components set styles from script, which no hash can cover.
 */
export const EXPLORER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");
