import { createHash } from "node:crypto";

// Server-rendered pages: no external assets, no JavaScript, one inline style allowed by its hash.

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;background:#f4f5f7;color:#1d2433;margin:0}
main{max-width:26rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:.5rem;box-shadow:0 1px 4px #0002}
h1{font-size:1.4rem;margin:0 0 1rem}label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input[type=email],input[type=password],input[type=text]{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #b8bfcc;border-radius:.3rem;font:inherit}
button{margin-top:1.2rem;padding:.6rem 1.2rem;border:0;border-radius:.3rem;background:#2458c6;color:#fff;font:inherit;cursor:pointer}
button.secondary{background:#e3e6ec;color:#1d2433;margin-left:.5rem}
.error{background:#fde8e8;color:#8a1c1c;padding:.6rem .8rem;border-radius:.3rem}
.note{color:#5a6275;font-size:.9rem}ul{padding-left:1.2rem}`;

const STYLE_HASH = createHash("sha256").update(STYLE).digest("base64");

/**
 * Headers for every page: nothing loads from elsewhere, nothing frames it, nothing caches it. Referrers
 * go to our own origin only ("no-referrer" would make browsers send `Origin: null` with our forms).
 */
export const PAGE_HEADERS: Record<string, string> = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  // No form-action: after a form post the provider redirects to the client, which form-action would block.
  "content-security-policy": `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; base-uri 'none'; frame-ancestors 'none'`,
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "x-content-type-options": "nosniff",
};

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function esc(value: unknown): string {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A tagged template that escapes every interpolated value unless it is already Html. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const render = (v: unknown): string =>
  v instanceof Html ? v.value : Array.isArray(v) ? v.map(render).join("") : esc(v);

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  return new Html(strings.reduce((out, s, i) => out + render(values[i - 1]) + s));
}

export function page(title: string, body: Html): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="same-origin"><title>${esc(title)} · fedicentral</title><style>${STYLE}</style></head>
<body><main>${body.value}</main></body></html>`;
}
