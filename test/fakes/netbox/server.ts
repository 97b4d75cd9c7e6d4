// A fake NetBox 4.x REST API over real HTTP, following README.md, "The NetBox contract".
import { randomUUID } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";

import {
  authenticate,
  canView,
  constraintOf,
  resolveTokens,
  type FakeTokenSpec,
  type ResolvedToken,
} from "./auth.js";
import { defaultRow, type ChangeLog, type ChangeOptions, type FakeNetboxData } from "./data.js";
import { FaultController, type FaultPlan } from "./faults.js";
import { generateNetboxData } from "./generate.js";
import {
  FAKE_KINDS,
  FOREIGN_KEYS,
  KIND_INFO,
  minorOf,
  type AnyRow,
  type AuxKind,
  type FakeKind,
  type FakeNetboxVersion,
  type RowTypes,
} from "./model.js";
import {
  BadRequest,
  buildFilters,
  paginate,
  parseOrdering,
  replaceQuery,
  sortRows,
  type Predicate,
} from "./query.js";
import { full, nested, objectChange, type SerializeContext } from "./serialize.js";
import { deliverWebhook, webhookBody, type WebhookDelivery, type WebhookEvent } from "./webhook.js";

export interface FakeNetboxOptions {
  version?: FakeNetboxVersion;
  /** Patch level reported by /api/status/ (netbox-version). */
  patch?: number;
  /** Tokens that authenticate; plain strings get all view permissions. */
  tokens?: readonly (string | FakeTokenSpec)[];
  /** Defaults to a small generated data set. */
  data?: FakeNetboxData;
  /** PAGINATE_COUNT, default 50. */
  paginateCount?: number;
  /** MAX_PAGE_SIZE, default 1000. */
  maxPageSize?: number;
  host?: string;
  port?: number;
  /** Serve HTTPS with this key pair. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface RequestLogEntry {
  method: string;
  path: string;
  /** Raw query string without `?`. */
  query: string;
  authorization?: string;
  status: number | null;
  faults: string[];
}

export interface PageServedInfo {
  kind: FakeKind | "object-changes";
  /** 1-based count of list pages of this kind served so far (successful responses only). */
  page: number;
  ids: number[];
  params: URLSearchParams;
  count: number | null;
}
export type PageHook = (info: PageServedInfo) => void | Promise<void>;

export interface FakeNetbox {
  url: string;
  version: FakeNetboxVersion;
  data: FakeNetboxData;
  changes: ChangeLog;
  faults: FaultController;
  /** Every request received, in order (bounded to the last 20,000). */
  requests: RequestLogEntry[];
  /** Runs after a list page has been written, before the next request is handled. */
  onPageServed(hook: PageHook): () => void;
  create<K extends FakeKind>(kind: K, fields: Partial<RowTypes[K]>, opts?: ChangeOptions): RowTypes[K];
  update<K extends FakeKind>(
    kind: K,
    id: number,
    patch: Partial<RowTypes[K]>,
    opts?: ChangeOptions,
  ): RowTypes[K];
  remove<K extends FakeKind>(kind: K, id: number, opts?: ChangeOptions): RowTypes[K] | undefined;
  /** POSTs a NetBox-shaped webhook; signs it with X-Hook-Signature when `secret` is non-empty. */
  emitWebhook(targetUrl: string, secret: string | null, event: WebhookEvent): Promise<WebhookDelivery>;
  /** The body emitWebhook would send, without sending it. */
  webhookBody(event: WebhookEvent): Record<string, unknown>;
  stop(): Promise<void>;
}

interface Reply {
  status: number;
  body?: unknown;
  html?: string;
  headers?: Record<string, string>;
  page?: Omit<PageServedInfo, "page">;
}

const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({
  status,
  body,
  headers,
});
const detail = (status: number, msg: string) => json(status, { detail: msg });
const NOT_FOUND_HTML =
  '<!DOCTYPE html>\n<html lang="en"><head><title>Page Not Found</title></head>' +
  "<body><h1>Page Not Found</h1><p>The requested page does not exist.</p></body></html>\n";
const htmlNotFound = (): Reply => ({ status: 404, html: NOT_FOUND_HTML });
const NO_PERMISSION = "You do not have permission to perform this action.";
const APPS = [
  "circuits",
  "core",
  "dcim",
  "extras",
  "ipam",
  "plugins",
  "tenancy",
  "users",
  "virtualization",
  "vpn",
  "wireless",
];

type Route =
  | { type: "root" }
  | { type: "status" }
  | { type: "auth-check" }
  | { type: "app"; app: string }
  | { type: "list"; kind: FakeKind | "object-changes" }
  | { type: "detail"; kind: FakeKind | "object-changes"; id: string };

const KIND_BY_PATH = new Map<string, FakeKind | "object-changes">([
  ...FAKE_KINDS.map((k) => [KIND_INFO[k].path, k] as const),
  ["core/object-changes", "object-changes"],
]);

function resolve(pathname: string, minor: number): Route | null {
  if (!pathname.endsWith("/")) return null;
  const seg = pathname.split("/").filter(Boolean);
  if (seg[0] !== "api") return null;
  const rest = seg.slice(1);
  if (rest.length === 0) return { type: "root" };
  if (rest.length === 1) {
    if (rest[0] === "status") return { type: "status" };
    if (rest[0] === "authentication-check" && minor >= 5) return { type: "auth-check" };
    if (APPS.includes(rest[0]!)) return { type: "app", app: rest[0]! };
    return null;
  }
  const kind = KIND_BY_PATH.get(`${rest[0]}/${rest[1]}`);
  if (!kind) return null;
  if (rest.length === 2) return { type: "list", kind };
  if (rest.length === 3) return { type: "detail", kind, id: rest[2]! };
  return null;
}

const modelName = (kind: FakeKind | "object-changes") =>
  kind === "object-changes" ? "ObjectChange" : KIND_INFO[kind].model;

/** Weak ETag of 4.6 detail responses: `W/"<last_updated isoformat>"` (Python isoformat, +00:00). */
const etagOf = (row: AnyRow) => `W/"${row.last_updated.replace(/Z$/, "+00:00")}"`;

export async function startFakeNetbox(options: FakeNetboxOptions = {}): Promise<FakeNetbox> {
  const version = options.version ?? "4.6";
  const minor = minorOf(version);
  const patch = options.patch ?? 8;
  const tokens = resolveTokens(options.tokens ?? [], minor);
  const data = options.data ?? generateNetboxData();
  const paginateCount = options.paginateCount ?? 50;
  const maxPageSize = options.maxPageSize ?? 1000;
  const faults = new FaultController();
  const requests: RequestLogEntry[] = [];
  const hooks = new Set<PageHook>();
  const pagesServed = new Map<string, number>();
  const sortedCache = new WeakMap<
    object,
    Map<string, { version: number; rows: readonly { id: number }[] }>
  >();
  let pendingHooks: Promise<void> = Promise.resolve();

  const tableOf = (kind: FakeKind | "object-changes") =>
    kind === "object-changes" ? data.changes : data.table(kind);

  function orderedRows(kind: FakeKind | "object-changes", keys: ReturnType<typeof parseOrdering>) {
    const table = tableOf(kind);
    let perTable = sortedCache.get(table);
    if (!perTable) sortedCache.set(table, (perTable = new Map()));
    const hit = perTable.get(keys.cacheKey);
    if (hit && hit.version === table.version) return hit.rows;
    const rows = sortRows(table.all() as readonly { id: number }[], keys.keys, data);
    perTable.set(keys.cacheKey, { version: table.version, rows });
    return rows;
  }

  function selectFields(
    ctx: SerializeContext,
    kind: FakeKind | "object-changes",
    row: AnyRow,
    params: URLSearchParams,
  ) {
    if (kind === "object-changes") return pick(objectChange(ctx, row as never), params, minor);
    const fieldsRaw = params.get("fields");
    const brief = (params.get("brief") ?? "") !== "";
    // fields wins over omit; both win over brief.
    if (!fieldsRaw && brief && !(minor >= 5 && params.get("omit"))) return nested(ctx, kind, row);
    const excludeCc = params.getAll("exclude").some((v) => v.includes("config_context"));
    return pick(full(ctx, kind, row, excludeCc), params, minor);
  }

  function listReply(
    ctx: SerializeContext,
    kind: FakeKind | "object-changes",
    url: URL,
    token: ResolvedToken,
    absPath: string,
  ): Reply {
    const params = url.searchParams;
    const cursor = minor >= 6 && params.has("start");
    const limit = parseLimit(params.get("limit"), paginateCount, maxPageSize);
    let start = 0;
    if (cursor) {
      const raw = params.get("start")!;
      // A string-only ValidationError renders as a bare JSON array.
      if (params.has("offset")) return json(400, ["'start' and 'offset' are mutually exclusive."]);
      if (params.has("ordering")) return json(400, ["'start' and 'ordering' are mutually exclusive."]);
      if (!/^\d+$/.test(raw)) return json(400, ["'start' must be a non-negative integer."]);
      start = Number(raw);
    }
    const offset = cursor ? 0 : parseOffset(params.get("offset"));
    let filters: ReturnType<typeof buildFilters>;
    try {
      filters = buildFilters(kind, params, data, minor);
    } catch (e) {
      if (e instanceof BadRequest) return json(400, e.body);
      throw e;
    }
    const predicates: Predicate[] = [...filters.predicates];
    const constraint = constraintOf(token, kind);
    if (constraint) predicates.push(constraint as Predicate);

    const table = tableOf(kind);
    let rows: readonly { id: number }[];
    let from = 0;
    let to: number;
    const ordering = cursor ? null : parseOrdering(kind, params.get("ordering"));
    if (cursor || (ordering!.idAscending && ordering!.keys.length === 1)) {
      rows = table.all();
      from = table.lowerBound(Math.max(start, filters.idMin));
      to = Number.isFinite(filters.idMax) ? table.lowerBound(filters.idMax + 1) : rows.length;
      to = Math.max(from, to);
    } else {
      rows = orderedRows(kind, ordering!);
      to = rows.length;
    }
    const window = paginate(rows, from, to, predicates, offset, limit, cursor);
    const results = window.results.map((r) => selectFields(ctx, kind, r as AnyRow, params));

    let next: string | null = null;
    let previous: string | null = null;
    if (cursor) {
      const last = window.results[window.results.length - 1];
      if (last && window.results.length >= limit) {
        next = replaceQuery(absPath, params, { limit: String(limit), start: String(last.id + 1) });
      }
    } else {
      const count = window.count!;
      if (offset + limit < count) {
        next = replaceQuery(absPath, params, { limit: String(limit), offset: String(offset + limit) });
      }
      if (offset > 0) {
        previous = replaceQuery(absPath, params, {
          limit: String(limit),
          offset: offset - limit <= 0 ? null : String(offset - limit),
        });
      }
    }
    return {
      ...json(200, { count: window.count, next, previous, results }),
      page: { kind, ids: window.results.map((r) => r.id), params, count: window.count },
    };
  }

  function detailReply(
    ctx: SerializeContext,
    kind: FakeKind | "object-changes",
    idRaw: string,
    token: ResolvedToken,
    url: URL,
  ) {
    const id = /^\d+$/.test(idRaw) ? Number(idRaw) : NaN;
    const row = Number.isNaN(id) ? undefined : tableOf(kind).get(id);
    const constraint = constraintOf(token, kind);
    if (!row || (constraint && !constraint(row as never))) {
      return { row: undefined, reply: detail(404, `No ${modelName(kind)} matches the given query.`) };
    }
    const body = selectFields(ctx, kind, row as AnyRow, url.searchParams);
    const headers: Record<string, string> =
      minor >= 6 && kind !== "object-changes" ? { ETag: etagOf(row as AnyRow) } : {};
    return { row: row as AnyRow, reply: json(200, body, headers) };
  }

  function writeReply(
    ctx: SerializeContext,
    route: Extract<Route, { type: "list" | "detail" }>,
    method: string,
    rawBody: string,
    token: ResolvedToken,
    req: http.IncomingMessage,
    requestId: string,
    url: URL,
  ): Reply {
    if (route.kind === "object-changes") return detail(405, `Method "${method}" not allowed.`);
    const kind = route.kind;
    if (token.writeEnabled === false || !canView(token, kind)) return detail(403, NO_PERMISSION);
    const changeOpts: ChangeOptions = { userName: token.username, userId: token.userId, requestId };
    let body: unknown = {};
    if (rawBody) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        return detail(400, "JSON parse error - Expecting value: line 1 column 1 (char 0)");
      }
    }
    if (route.type === "list") {
      if (method !== "POST") return detail(405, `Method "${method}" not allowed.`);
      const items = Array.isArray(body) ? body : [body];
      const created: AnyRow[] = [];
      for (const item of items) {
        const fields = bodyToRow(data, kind, item, true);
        if (fields instanceof BadRequest) return json(400, fields.body);
        created.push(data.create(kind, fields as Partial<RowTypes[typeof kind]>, changeOpts));
      }
      const out = created.map((r) => full(ctx, kind, r));
      return json(201, Array.isArray(body) ? out : out[0]);
    }
    const found = detailReply(ctx, kind, route.id, token, url);
    if (!found.row) return found.reply;
    const ifMatch = req.headers["if-match"];
    if (minor >= 6 && ifMatch && ifMatch !== etagOf(found.row)) return detail(412, "Precondition failed.");
    if (method === "DELETE") {
      data.remove(kind, found.row.id, changeOpts);
      return { status: 204 };
    }
    if (method !== "PATCH" && method !== "PUT") return detail(405, `Method "${method}" not allowed.`);
    const fields = bodyToRow(data, kind, body, method === "PUT");
    if (fields instanceof BadRequest) return json(400, fields.body);
    const row = data.update(kind, found.row.id, fields as Partial<RowTypes[typeof kind]>, changeOpts);
    return json(200, full(ctx, kind, row), minor >= 6 ? { ETag: etagOf(row) } : {});
  }

  function statusBody(): Record<string, unknown> {
    const apps = {
      django_filters: "26.1",
      drf_spectacular: "0.30.0",
      mptt: "0.18.0",
      rest_framework: "3.17.1",
      strawberry_django: "0.87.0",
      taggit: "6.1.0",
    };
    const nbVersion = `${version}.${patch}`;
    return {
      "django-version": minor >= 6 ? "6.0.8" : "5.1.5",
      ...(minor >= 4 ? { hostname: "netbox-01", installed_apps: apps } : { "installed-apps": apps }),
      "netbox-version": nbVersion,
      ...(minor >= 3 ? { "netbox-full-version": nbVersion } : {}),
      plugins: {},
      "python-version": "3.12.8",
      "rq-workers-running": 1,
    };
  }

  async function route(
    req: http.IncomingMessage,
    url: URL,
    rawBody: string,
    requestId: string,
  ): Promise<Reply> {
    const method = req.method ?? "GET";
    const path = url.pathname;
    if (!path.startsWith("/api/") && path !== "/api") return htmlNotFound();
    let r = resolve(path, minor);
    if (!r) {
      const withSlash = resolve(`${path}/`, minor);
      if (!withSlash) return htmlNotFound();
      const safe = method === "GET" || method === "HEAD";
      // 4.6 answers unsafe methods without the slash with 404 instead of APPEND_SLASH's redirect.
      if (!safe && minor >= 6) return htmlNotFound();
      return { status: 301, headers: { Location: `${path}/${url.search}` } };
    }
    const accept = req.headers.accept ?? "";
    const m = /version\s*=\s*([^;,\s]+)/.exec(accept);
    if (m && m[1] !== version) return detail(406, 'Invalid version in "Accept" header.');

    const auth = authenticate(req.headers.authorization, tokens, minor, req.socket.remoteAddress ?? "");
    // 403, never 401: the first authentication class (session) supplies no WWW-Authenticate.
    if (auth.kind === "fail") return detail(403, auth.detail);
    if (auth.kind === "anonymous") return detail(403, "Authentication credentials were not provided.");
    const token = auth.token;
    const proto = req.headers["x-forwarded-proto"] === "https" || options.tls ? "https" : "http";
    const host = (req.headers["x-forwarded-host"] as string | undefined) ?? req.headers.host ?? "localhost";
    const base = `${proto}://${host}`;
    const ctx: SerializeContext = { data, minor, base };
    if (method === "OPTIONS") {
      return json(200, {
        name: "NetBox",
        description: "",
        renders: ["application/json"],
        parses: ["application/json"],
      });
    }
    const safe = method === "GET" || method === "HEAD";

    switch (r.type) {
      case "root":
        return json(200, Object.fromEntries(APPS.map((a) => [a, `${base}/api/${a}/`])));
      case "status":
        return json(200, statusBody());
      case "auth-check":
        return json(200, {
          id: token.userId,
          url: `${base}/api/users/users/${token.userId}/`,
          display: token.username,
          username: token.username,
        });
      case "app": {
        const app = r.app;
        const entries = [...KIND_BY_PATH.keys()]
          .filter((p) => p.startsWith(`${app}/`))
          .map((p) => [p.split("/")[1]!, `${base}/api/${p}/`]);
        return json(200, Object.fromEntries(entries));
      }
      default:
        break;
    }
    if (!safe) return writeReply(ctx, r, method, rawBody, token, req, requestId, url);
    if (!canView(token, r.kind)) return detail(403, NO_PERMISSION);
    if (r.type === "list") return listReply(ctx, r.kind, url, token, `${base}${path}`);
    r = r as Extract<Route, { type: "detail" }>;
    return detailReply(ctx, r.kind, r.id, token, url).reply;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    await pendingHooks;
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://fake.invalid");
    const entry: RequestLogEntry = {
      method,
      path: url.pathname,
      query: url.search.replace(/^\?/, ""),
      authorization: req.headers.authorization,
      status: null,
      faults: [],
    };
    requests.push(entry);
    if (requests.length > 20_000) requests.splice(0, requests.length - 20_000);
    const rawBody = method === "GET" || method === "HEAD" ? "" : await readBody(req);
    const plan: FaultPlan = faults.plan(method, url.pathname);
    entry.faults = plan.applied;
    if (plan.delayMs > 0) await sleep(plan.delayMs);
    const requestId = randomUUID();
    const baseHeaders: Record<string, string> = { "X-Request-ID": requestId };
    if (url.pathname.startsWith("/api")) baseHeaders["API-Version"] = version;

    const t = plan.terminal;
    if (t?.type === "reset") {
      req.socket.destroy();
      return;
    }
    if (t?.type === "hang") return;
    if (t?.type === "status") {
      entry.status = t.status;
      send(
        res,
        t.status,
        { ...baseHeaders, ...t.headers },
        JSON.stringify(
          t.body ?? {
            error: "injected",
            exception: "fault",
            netbox_version: `${version}.${patch}`,
            python_version: "3.12.8",
          },
        ),
        method,
      );
      return;
    }
    if (t?.type === "rate-limit") {
      const status = t.status ?? 429;
      entry.status = status;
      send(
        res,
        status,
        { ...baseHeaders, "Retry-After": String(t.retryAfter ?? 1) },
        JSON.stringify({ detail: "Too Many Requests" }),
        method,
      );
      return;
    }

    let reply: Reply;
    try {
      reply = await route(req, url, rawBody, requestId);
    } catch (e) {
      reply = json(500, {
        error: String(e instanceof Error ? e.message : e),
        exception: e instanceof Error ? e.name : "Error",
        netbox_version: `${version}.${patch}`,
        python_version: "3.12.8",
      });
    }
    entry.status = reply.status;
    let body = reply.body;
    let truncate: Extract<FaultPlan["post"][number], { type: "truncate" }> | undefined;
    for (const p of plan.post) {
      // A deep copy, so a transform can never alter the store or shared nested objects.
      if (p.type === "transform" && body !== undefined) body = p.transform(JSON.parse(JSON.stringify(body)));
      if (p.type === "truncate") truncate = p;
    }
    const headers = { ...baseHeaders, ...reply.headers };
    let payload: string;
    if (reply.html !== undefined) {
      headers["Content-Type"] = "text/html; charset=utf-8";
      payload = reply.html;
    } else if (body === undefined) {
      payload = "";
    } else {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    if (truncate) {
      const buf = Buffer.from(payload);
      const keep = Math.max(1, Math.floor(buf.length * (truncate.keep ?? 0.5)));
      if (truncate.mode === "connection") {
        res.writeHead(reply.status, { ...headers, "Content-Length": String(buf.length) });
        res.write(buf.subarray(0, keep), () => res.destroy());
      } else {
        send(res, reply.status, headers, buf.subarray(0, keep), method);
      }
    } else {
      send(res, reply.status, headers, payload, method);
    }
    if (reply.page && reply.status === 200 && hooks.size > 0) {
      const n = (pagesServed.get(reply.page.kind) ?? 0) + 1;
      pagesServed.set(reply.page.kind, n);
      const info: PageServedInfo = { ...reply.page, page: n };
      // Later requests wait for async hooks, so "mutate after page N" is deterministic.
      pendingHooks = pendingHooks.then(async () => {
        for (const h of [...hooks]) await h(info);
      });
      await pendingHooks;
    } else if (reply.page && reply.status === 200) {
      pagesServed.set(reply.page.kind, (pagesServed.get(reply.page.kind) ?? 0) + 1);
    }
  }

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, {}, JSON.stringify({ error: String(e) }), "GET");
      else res.destroy();
    });
  };
  const server = options.tls
    ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, listener)
    : http.createServer(listener);
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolveListen());
  });
  const addr = server.address() as AddressInfo;
  const hostForUrl = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;

  return {
    url: `${options.tls ? "https" : "http"}://${hostForUrl}:${addr.port}`,
    version,
    data,
    changes: data.changes,
    faults,
    requests,
    onPageServed(hook) {
      hooks.add(hook);
      return () => hooks.delete(hook);
    },
    create: (kind, fields, opts) => data.create(kind, fields, opts),
    update: (kind, id, patchFields, opts) => data.update(kind, id, patchFields, opts),
    remove: (kind, id, opts) => data.remove(kind, id, opts),
    emitWebhook: (targetUrl, secret, event) =>
      deliverWebhook(targetUrl, secret, webhookBody(data, minor, event)),
    webhookBody: (event) => webhookBody(data, minor, event),
    stop: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}

function send(
  res: http.ServerResponse,
  status: number,
  headers: Record<string, string>,
  payload: string | Buffer,
  method: string,
): void {
  const buf = typeof payload === "string" ? Buffer.from(payload) : payload;
  res.writeHead(status, { ...headers, "Content-Length": String(buf.length) });
  res.end(method === "HEAD" ? undefined : buf);
}

function pick(obj: Record<string, unknown>, params: URLSearchParams, minor: number): Record<string, unknown> {
  const fieldsRaw = params.get("fields");
  if (fieldsRaw) {
    // Only top-level names; unknown ones are silently dropped.
    const out: Record<string, unknown> = {};
    for (const name of fieldsRaw.split(",").map((s) => s.trim())) if (name in obj) out[name] = obj[name];
    return out;
  }
  const omit = minor >= 5 ? params.get("omit") : null;
  if (omit) for (const name of omit.split(",")) if (name.trim() in obj) obj[name.trim()] = undefined;
  return obj;
}

/** NetBoxPagination.get_limit: bad → PAGINATE_COUNT, 0 → MAX_PAGE_SIZE, above max → capped, silently. */
export function parseLimit(raw: string | null, paginateCount: number, max: number): number {
  if (raw === null || !/^\s*\d+\s*$/.test(raw)) return paginateCount;
  const n = Number(raw);
  if (!max) return n === 0 ? Number.MAX_SAFE_INTEGER : n;
  return n === 0 ? max : Math.min(n, max);
}

function parseOffset(raw: string | null): number {
  return raw !== null && /^\s*\d+\s*$/.test(raw) ? Number(raw) : 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolveBody(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

const REQUIRED: Record<FakeKind, string[]> = {
  sites: ["name", "slug"],
  tenants: ["name", "slug"],
  racks: ["name", "site"],
  devices: ["device_type", "role", "site"],
  interfaces: ["device", "name", "type"],
  prefixes: ["prefix"],
  "ip-addresses": ["address"],
  vlans: ["vid", "name"],
  clusters: ["name", "type"],
  "virtual-machines": ["name"],
};

/** Maps a write body (`site: 3` or `site: {id: 3}`) to row columns; unknown fields are ignored like DRF. */
function bodyToRow(
  data: FakeNetboxData,
  kind: FakeKind,
  body: unknown,
  creating: boolean,
): Record<string, unknown> | BadRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return new BadRequest({ non_field_errors: ["Invalid data. Expected a dictionary, but got list."] });
  }
  const fks = FOREIGN_KEYS[kind] as Record<string, FakeKind | AuxKind>;
  const known = new Set([...Object.keys(defaultRow(kind)), ...REQUIRED[kind], "name", "slug"]);
  const errors: Record<string, string[]> = {};
  const out: Record<string, unknown> = {};
  const input = body as Record<string, unknown>;
  if (creating)
    for (const req of REQUIRED[kind]) if (input[req] === undefined) errors[req] = ["This field is required."];
  for (const [k, v] of Object.entries(input)) {
    if (k === "id") continue;
    const fkCol = `${k}_id`;
    if (fkCol in fks) {
      const id = v === null ? null : typeof v === "object" ? (v as { id?: unknown }).id : v;
      if (id !== null && (typeof id !== "number" || !refExists(data, fks[fkCol]!, id))) {
        errors[k] = [`Invalid pk "${String(id)}" - object does not exist.`];
      } else out[fkCol] = id;
    } else if (k === "tags" && Array.isArray(v)) {
      out.tags = v.map((t) => (typeof t === "string" ? t : String((t as { name?: unknown }).name)));
    } else if (k === "custom_fields" && typeof v === "object" && v !== null) {
      out.custom_fields = v;
    } else if (known.has(k) && !(k in fks)) {
      out[k] = v;
    }
  }
  return Object.keys(errors).length ? new BadRequest(errors) : out;
}

function refExists(data: FakeNetboxData, ref: FakeKind | AuxKind, id: number): boolean {
  return ref in KIND_INFO
    ? data.table(ref as FakeKind).get(id) !== undefined
    : data.aux.get(ref as AuxKind, id) !== undefined;
}
