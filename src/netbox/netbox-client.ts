// Read-only NetBox 4.2–4.6 REST client for the sync. Behaviour it relies on is documented in README.md,
// "The NetBox contract" (auth §2, paging §3, errors §4, changelog §6).
import { setTimeout as sleep } from "node:timers/promises";
import { fetch } from "undici";

import { createTlsDispatcher, type Dispatcher, type TlsOptions } from "./tls-dispatcher.js";

export const NETBOX_KINDS = [
  "sites",
  "racks",
  "devices",
  "interfaces",
  "prefixes",
  "ip-addresses",
  "vlans",
  "clusters",
  "virtual-machines",
  "tenants",
] as const;
export type NetboxKind = (typeof NETBOX_KINDS)[number];
/** Everything the client can list: the mirrored kinds plus the changelog. */
export type NetboxListKind = NetboxKind | "object-changes";

export const NETBOX_KIND_PATHS: Readonly<Record<NetboxListKind, string>> = {
  sites: "dcim/sites",
  racks: "dcim/racks",
  devices: "dcim/devices",
  interfaces: "dcim/interfaces",
  prefixes: "ipam/prefixes",
  "ip-addresses": "ipam/ip-addresses",
  vlans: "ipam/vlans",
  clusters: "virtualization/clusters",
  "virtual-machines": "virtualization/virtual-machines",
  tenants: "tenancy/tenants",
  "object-changes": "core/object-changes",
};

/** MAX_PAGE_SIZE default; larger limits are capped silently by the server. */
export const NETBOX_MAX_PAGE_SIZE = 1000;

export type NetboxErrorCode = "FORBIDDEN" | "NOT_FOUND" | "BAD_REQUEST" | "UNAVAILABLE" | "BAD_RESPONSE";

export interface NetboxErrorDetails {
  status?: number;
  kind?: NetboxListKind;
  /** Request URL (no credentials are ever part of it). */
  url?: string;
  attempts?: number;
  /** Parsed error body from NetBox, e.g. `{detail: "Invalid v1 token"}` or a 400 field map. */
  body?: unknown;
  /** For FORBIDDEN: missing model permission vs. a rejected token. */
  reason?: "permission" | "authentication";
  cause?: unknown;
}

export class NetboxError extends Error {
  override readonly name = "NetboxError";
  readonly status?: number;
  readonly kind?: NetboxListKind;
  readonly url?: string;
  readonly attempts?: number;
  readonly body?: unknown;
  readonly reason?: "permission" | "authentication";

  constructor(
    readonly code: NetboxErrorCode,
    message: string,
    details: NetboxErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.kind = details.kind;
    this.url = details.url;
    this.attempts = details.attempts;
    this.body = details.body;
    this.reason = details.reason;
  }
}

export interface NetboxObject {
  id: number;
  [field: string]: unknown;
}

export interface NetboxObjectChange extends NetboxObject {
  time: string;
  action: { value: "create" | "update" | "delete"; label: string };
  changed_object_type: string;
  changed_object_id: number;
  changed_object: Record<string, unknown> | null;
  request_id: string;
  user_name: string;
  /** 4.5+ */
  object_repr?: string;
  /** 4.4+ */
  message?: string;
  prechange_data: Record<string, unknown>;
  postchange_data: Record<string, unknown>;
}

export interface MalformedObject {
  /** Set when the object had a usable id. */
  id?: number;
  reason: string;
  raw: unknown;
}

export interface NetboxPage<T> {
  kind: NetboxListKind;
  /** 1-based. */
  page: number;
  objects: T[];
  /** Objects that failed validation; reported instead of failing the listing. */
  malformed: MalformedObject[];
  /** Objects dropped because their id was not above the cursor (a misbehaving server or proxy cache). */
  duplicates: number;
  /** Total matches in keyset mode (count of the remaining rows), null in cursor mode. */
  count: number | null;
  /** Highest id seen so far; resume with `afterId` / `idGt`. */
  lastId: number;
}

/** Returns a reason when the object is unusable, or null/undefined when it is fine. */
export type ObjectValidator = (obj: NetboxObject) => string | null | undefined;

export type FilterValue =
  string | number | boolean | null | undefined | readonly (string | number | boolean)[];
export type NetboxFilters = Readonly<Record<string, FilterValue>>;

export interface ListOptions<T extends NetboxObject> {
  /** NetBox filters, e.g. `{ site_id: [1, 2], status: "active" }`. Arrays repeat the parameter (OR). */
  filters?: NetboxFilters;
  /** Capped at 1000 (MAX_PAGE_SIZE); default 1000. */
  pageSize?: number;
  /** Start after this id (resuming a listing). */
  afterId?: number;
  /** Only these top-level fields (`id` is always added: paging needs it). */
  fields?: readonly string[];
  brief?: boolean;
  /** Devices/VMs: config_context is expensive to render and excluded unless asked for. */
  includeConfigContext?: boolean;
  validate?: (obj: NetboxObject) => string | null | undefined;
  onPage?: (page: NetboxPage<T>) => void | Promise<void>;
  /** "auto" uses `start` cursors on 4.6+ and `ordering=id&id__gt=` keysets before. */
  paging?: "auto" | "cursor" | "keyset";
  signal?: AbortSignal;
}

export interface ObjectChangesOptions {
  /** Changelog cursor: only changes with a greater id. Default 0. */
  idGt?: number;
  pageSize?: number;
  /** E.g. `{ changed_object_type: ["dcim.device", "dcim.site"] }`. */
  filters?: NetboxFilters;
  /** ISO timestamp for `time_after` (`time__gte` is silently ignored by NetBox). */
  timeAfter?: string;
  validate?: ObjectValidator;
  onPage?: (page: NetboxPage<NetboxObjectChange>) => void | Promise<void>;
  paging?: "auto" | "cursor" | "keyset";
  signal?: AbortSignal;
}

export interface NetboxRetryEvent {
  url: string;
  /** 1-based attempt that failed. */
  attempt: number;
  delayMs: number;
  error: NetboxError;
}

export interface NetboxClientOptions {
  /** Base URL, e.g. `https://netbox.example.com` (a path prefix is kept). */
  url: string;
  /** v1 plaintext, or v2 `nbt_<key>.<secret>`; the header format is derived from it. */
  token: string;
  /** Per attempt, including reading the body. Default 30 s. */
  timeoutMs?: number;
  /** Extra attempts after the first for transient failures. Default 4. */
  retries?: number;
  backoff?: {
    /** First retry waits about this long (with jitter); doubles per attempt. Default 500 ms. */
    baseMs?: number;
    /** Default 30 s. */
    maxMs?: number;
    /** Upper bound for honouring Retry-After. Default 60 s. */
    maxRetryAfterMs?: number;
  };
  tls?: TlsOptions;
  userAgent?: string;
  onRetry?: (event: NetboxRetryEvent) => void;
}

export interface NetboxStatus {
  /** `major.minor` from the API-Version header (or derived from netbox-version). */
  apiVersion: string;
  major: number;
  minor: number;
  /** `netbox-version` from /api/status/, e.g. "4.6.8". */
  netboxVersion: string | null;
  /** `netbox-full-version` (4.3+). */
  fullVersion: string | null;
  /** `?start=` cursor paging is available (4.6+). */
  cursorPaging: boolean;
  tokenFormat: "v1" | "v2";
  warnings: string[];
  requestId: string | null;
  raw: Record<string, unknown>;
}

export const tokenFormat = (token: string): "v1" | "v2" => (token.startsWith("nbt_") ? "v2" : "v1");

/** NetBox decides v1/v2 by the `nbt_` prefix; Bearer is the v2 keyword (4.5+), Token works everywhere for v1. */
export function authorizationHeader(token: string): string {
  return tokenFormat(token) === "v2" ? `Bearer ${token}` : `Token ${token}`;
}

/** Validator factory: the listed top-level keys must be present (values may be null). */
export function requireFields(...names: string[]): ObjectValidator {
  return (obj) => {
    const missing = names.filter((n) => !(n in obj));
    return missing.length ? `missing field(s): ${missing.join(", ")}` : null;
  };
}

const RESERVED = new Set([
  "limit",
  "offset",
  "start",
  "ordering",
  "id__gt",
  "brief",
  "fields",
  "omit",
  "format",
]);
const NO_PERMISSION = "You do not have permission to perform this action.";
const TLS_ERROR_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

interface RawResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

interface RequestContext {
  kind?: NetboxListKind;
  /** Return null for a JSON 404 instead of throwing NOT_FOUND. */
  notFoundOk?: boolean;
  signal?: AbortSignal;
}

type Attempt = { ok: RawResponse | null } | { retry: NetboxError; retryAfterMs?: number };

export class NetboxClient {
  readonly baseUrl: string;
  readonly tokenFormat: "v1" | "v2";
  private readonly authorization: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly userAgent: string;
  private readonly onRetry?: (event: NetboxRetryEvent) => void;
  private readonly tls?: TlsOptions;
  private dispatcher?: Dispatcher;
  private apiVersion?: { major: number; minor: number };

  constructor(options: NetboxClientOptions) {
    const token = options.token.trim();
    if (!token || /\s/.test(token)) throw new TypeError("NetBox token must be a single non-empty word");
    if (tokenFormat(token) === "v2" && !/^nbt_[^.]+\.[^.]/.test(token)) {
      throw new TypeError("NetBox v2 token must look like nbt_<key>.<secret>");
    }
    this.baseUrl = options.url.replace(/\/+$/, "");
    this.tokenFormat = tokenFormat(token);
    this.authorization = authorizationHeader(token);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retries = Math.max(0, options.retries ?? 4);
    this.baseMs = options.backoff?.baseMs ?? 500;
    this.maxMs = options.backoff?.maxMs ?? 30_000;
    this.maxRetryAfterMs = options.backoff?.maxRetryAfterMs ?? 60_000;
    this.userAgent = options.userAgent ?? "fedicentral-netbox-sync";
    this.onRetry = options.onRetry;
    this.tls = options.tls;
  }

  /** NetBox version and capabilities from /api/status/ (needs only a valid token). */
  async status(signal?: AbortSignal): Promise<NetboxStatus> {
    const res = await this.request("/api/status/", null, { signal });
    const raw = asRecord(res!.body);
    if (!raw) {
      throw new NetboxError("BAD_RESPONSE", "/api/status/ did not return an object", { status: res!.status });
    }
    const netboxVersion = typeof raw["netbox-version"] === "string" ? raw["netbox-version"] : null;
    const header = res!.headers.get("API-Version");
    const apiVersion = header ?? /^(\d+\.\d+)/.exec(netboxVersion ?? "")?.[1];
    if (!apiVersion) throw new NetboxError("BAD_RESPONSE", "cannot determine the NetBox version");
    const [major, minor] = apiVersion.split(".").map(Number) as [number, number];
    this.apiVersion = { major, minor };
    const cursorPaging = major > 4 || (major === 4 && minor >= 6);
    const warnings: string[] = [];
    if (this.tokenFormat === "v1" && cursorPaging) {
      warnings.push("v1 API tokens are deprecated since NetBox 4.6");
    }
    if (major === 4 && minor < 2) warnings.push(`NetBox ${apiVersion} is older than the supported 4.2`);
    return {
      apiVersion,
      major,
      minor,
      netboxVersion,
      fullVersion: typeof raw["netbox-full-version"] === "string" ? raw["netbox-full-version"] : null,
      cursorPaging,
      tokenFormat: this.tokenFormat,
      warnings,
      requestId: res!.headers.get("X-Request-ID"),
      raw,
    };
  }

  /** True when the token may list `kind`; false on a permission 403. A rejected token still throws. */
  async canRead(kind: NetboxListKind, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.request(listPath(kind), new URLSearchParams({ limit: "1", fields: "id" }), { kind, signal });
      return true;
    } catch (e) {
      if (e instanceof NetboxError && e.code === "FORBIDDEN" && e.reason === "permission") return false;
      throw e;
    }
  }

  /** How many objects of `kind` the token can see (one small offset-mode request, any version). */
  async count(kind: NetboxKind, signal?: AbortSignal): Promise<number> {
    // ordering=id spares NetBox sorting by its default (name) ordering just to count.
    const params = new URLSearchParams({ limit: "1", fields: "id", ordering: "id" });
    const res = await this.request(listPath(kind), params, { kind, signal });
    const count = asRecord(res!.body)?.count;
    if (typeof count !== "number") {
      throw new NetboxError("BAD_RESPONSE", `${kind} listing has no count`, { kind, body: res!.body });
    }
    return count;
  }

  /** The newest or the oldest changelog entry (id and time), or null when the changelog is empty. */
  async changelogEdge(
    which: "newest" | "oldest",
    signal?: AbortSignal,
  ): Promise<{ id: number; time: string } | null> {
    const params = new URLSearchParams({
      ordering: which === "newest" ? "-id" : "id",
      limit: "1",
      fields: "id,time",
    });
    const kind = "object-changes";
    const res = await this.request(listPath(kind), params, { kind, signal });
    const results = asRecord(res!.body)?.results;
    if (!Array.isArray(results)) {
      throw new NetboxError("BAD_RESPONSE", `${kind} listing is not a paginated envelope`, { kind });
    }
    const first = asRecord(results[0]);
    if (!first) return null;
    if (typeof first.id !== "number" || typeof first.time !== "string") {
      throw new NetboxError("BAD_RESPONSE", `${kind} entry without id or time`, { kind, body: first });
    }
    return { id: first.id, time: first.time };
  }

  /** One object, or null when it does not exist or the token's constraints hide it (both 404). */
  async get<T extends NetboxObject = NetboxObject>(
    kind: NetboxKind,
    id: number,
    options: {
      includeConfigContext?: boolean;
      fields?: readonly string[];
      validate?: ObjectValidator;
      signal?: AbortSignal;
    } = {},
  ): Promise<T | null> {
    if (!Number.isSafeInteger(id) || id <= 0) throw new TypeError(`invalid ${kind} id ${id}`);
    const params = new URLSearchParams();
    if (options.fields?.length) params.set("fields", withId(options.fields));
    if (!options.includeConfigContext && hasConfigContext(kind)) params.set("exclude", "config_context");
    const res = await this.request(`${listPath(kind)}${id}/`, params, {
      kind,
      notFoundOk: true,
      signal: options.signal,
    });
    if (!res) return null;
    const checked = checkObject(res.body, options.validate);
    if (!checked.ok) {
      throw new NetboxError("BAD_RESPONSE", `malformed ${kind} ${id}: ${checked.bad.reason}`, {
        kind,
        body: res.body,
      });
    }
    return checked.obj as T;
  }

  /** Every object of `kind`, page by page, in id order; each page is fetched only when the previous is consumed. */
  listAll<T extends NetboxObject = NetboxObject>(
    kind: NetboxKind,
    options: ListOptions<T> = {},
  ): AsyncGenerator<NetboxPage<T>, void, undefined> {
    const params = filterParams(options.filters);
    if (options.fields?.length) params.set("fields", withId(options.fields));
    if (options.brief) params.set("brief", "1");
    if (!options.includeConfigContext && hasConfigContext(kind)) params.set("exclude", "config_context");
    return this.paginate<T>(kind, params, {
      afterId: options.afterId ?? 0,
      pageSize: options.pageSize,
      validate: options.validate,
      onPage: options.onPage,
      paging: options.paging,
      signal: options.signal,
    });
  }

  /** The changelog after `idGt`, in id order (not NetBox's default -time). */
  objectChanges(
    options: ObjectChangesOptions = {},
  ): AsyncGenerator<NetboxPage<NetboxObjectChange>, void, undefined> {
    const params = filterParams(options.filters);
    if (options.timeAfter) params.set("time_after", options.timeAfter);
    const user = options.validate;
    return this.paginate<NetboxObjectChange>("object-changes", params, {
      afterId: options.idGt ?? 0,
      pageSize: options.pageSize,
      validate: (o) => validateObjectChange(o) ?? user?.(o),
      onPage: options.onPage,
      paging: options.paging,
      signal: options.signal,
    });
  }

  /** Releases the TLS dispatcher, if one was created. */
  async close(): Promise<void> {
    const d = this.dispatcher;
    this.dispatcher = undefined;
    if (d) await d.close();
  }

  // ---- paging ----

  private async *paginate<T extends NetboxObject>(
    kind: NetboxListKind,
    baseParams: URLSearchParams,
    opts: {
      afterId: number;
      pageSize?: number;
      validate?: ObjectValidator;
      onPage?: (page: NetboxPage<T>) => void | Promise<void>;
      paging?: "auto" | "cursor" | "keyset";
      signal?: AbortSignal;
    },
  ): AsyncGenerator<NetboxPage<T>, void, undefined> {
    const pageSize = Math.max(
      1,
      Math.min(NETBOX_MAX_PAGE_SIZE, Math.floor(opts.pageSize ?? NETBOX_MAX_PAGE_SIZE)),
    );
    let cursorMode = opts.paging === "cursor";
    if (!opts.paging || opts.paging === "auto") {
      if (!this.apiVersion) await this.status(opts.signal);
      const v = this.apiVersion!;
      cursorMode = v.major > 4 || (v.major === 4 && v.minor >= 6);
    }
    let last = opts.afterId;
    for (let page = 1; ; page++) {
      const params = new URLSearchParams(baseParams);
      params.set("limit", String(pageSize));
      // Keyset paging (never offsets): inserts and deletes between pages cannot shift rows past us.
      if (cursorMode) params.set("start", String(last + 1));
      else {
        params.set("ordering", "id");
        params.set("id__gt", String(last));
      }
      const res = await this.request(listPath(kind), params, { kind, signal: opts.signal });
      const env = asRecord(res!.body);
      const results = env?.results;
      if (!env || !Array.isArray(results)) {
        throw new NetboxError("BAD_RESPONSE", `${kind} listing is not a paginated envelope`, {
          kind,
          body: res!.body,
        });
      }
      const next = typeof env.next === "string" ? env.next : null;
      const objects: T[] = [];
      const malformed: MalformedObject[] = [];
      let duplicates = 0;
      let maxId = last;
      for (const raw of results) {
        const checked = checkObject(raw, opts.validate);
        const id = checked.ok ? checked.obj.id : checked.bad.id;
        if (id !== undefined && id <= last) {
          duplicates++;
          continue;
        }
        if (id !== undefined) {
          // Taking the max of an unordered page would silently skip the lower ids on the next request.
          if (id <= maxId) {
            throw new NetboxError("BAD_RESPONSE", `${kind} page is not in ascending id order`, { kind });
          }
          maxId = id;
        }
        if (checked.ok) objects.push(checked.obj as T);
        else malformed.push(checked.bad);
      }
      const count = typeof env.count === "number" ? env.count : null;
      const out: NetboxPage<T> = { kind, page, objects, malformed, duplicates, count, lastId: maxId };
      if (opts.onPage) await opts.onPage(out);
      yield out;
      if (next === null || results.length === 0) return;
      if (maxId === last) {
        // Only id-less or duplicate objects: in cursor mode the server's own next start still advances.
        const start = Number(new URL(next, this.baseUrl).searchParams.get("start"));
        if (cursorMode && Number.isSafeInteger(start) && start - 1 > last) maxId = start - 1;
        else
          throw new NetboxError("BAD_RESPONSE", `${kind} paging did not advance past id ${last}`, { kind });
      }
      last = maxId;
    }
  }

  // ---- transport ----

  private async request(
    path: string,
    params: URLSearchParams | null,
    ctx: RequestContext,
  ): Promise<RawResponse | null> {
    const query = params?.toString();
    const url = `${this.baseUrl}${path}${query ? `?${query}` : ""}`;
    const attempts = this.retries + 1;
    for (let attempt = 1; ; attempt++) {
      const result = await this.attempt(url, ctx);
      if ("ok" in result) return result.ok;
      const error = result.retry;
      if (attempt >= attempts) {
        throw new NetboxError(error.code, `${error.message} (gave up after ${attempt} attempts)`, {
          status: error.status,
          kind: ctx.kind,
          url,
          attempts: attempt,
          body: error.body,
          cause: error.cause ?? error,
        });
      }
      const delayMs =
        result.retryAfterMs !== undefined
          ? Math.min(result.retryAfterMs, this.maxRetryAfterMs)
          : this.backoff(attempt);
      this.onRetry?.({ url, attempt, delayMs, error });
      await sleep(delayMs, undefined, ctx.signal ? { signal: ctx.signal } : undefined);
    }
  }

  /** Exponential with "equal jitter": half fixed, half random, so retries from many syncs spread out. */
  private backoff(attempt: number): number {
    const exp = Math.min(this.maxMs, this.baseMs * 2 ** (attempt - 1));
    return exp / 2 + (Math.random() * exp) / 2;
  }

  private async attempt(url: string, ctx: RequestContext): Promise<Attempt> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = ctx.signal ? AbortSignal.any([ctx.signal, timeout]) : timeout;
    let status: number;
    let headers: Headers;
    let text: string;
    // Outside the try: a TLS configuration problem is not a transient failure.
    if (this.tls && !this.dispatcher) this.dispatcher = createTlsDispatcher(this.tls);
    const init: Parameters<typeof fetch>[1] = {
      headers: {
        Authorization: this.authorization,
        Accept: "application/json",
        "User-Agent": this.userAgent,
      },
      signal,
    };
    if (this.dispatcher) init.dispatcher = this.dispatcher;
    try {
      const res = await fetch(url, init);
      status = res.status;
      headers = res.headers;
      // Read the body under the same timeout: a stalled or cut body is as transient as a reset.
      text = await res.text();
    } catch (e) {
      if (ctx.signal?.aborted) throw ctx.signal.reason;
      const code = errorCode(e);
      if (code && TLS_ERROR_CODES.has(code)) {
        throw new NetboxError("UNAVAILABLE", `TLS verification of ${this.baseUrl} failed (${code})`, {
          kind: ctx.kind,
          url,
          cause: e,
        });
      }
      const what = timeout.aborted
        ? `timed out after ${this.timeoutMs} ms`
        : `connection failed (${code ?? describe(e)})`;
      return { retry: new NetboxError("UNAVAILABLE", `NetBox ${what}`, { kind: ctx.kind, url, cause: e }) };
    }

    const apiVersion = headers.get("API-Version");
    if (apiVersion && !this.apiVersion) {
      const [major, minor] = apiVersion.split(".").map(Number);
      if (Number.isInteger(major) && Number.isInteger(minor))
        this.apiVersion = { major: major!, minor: minor! };
    }
    const isJson = (headers.get("Content-Type") ?? "").includes("json");
    const parsed = parseJson(text);
    const body = parsed.ok ? parsed.value : text.slice(0, 500);
    const serverDetail =
      typeof asRecord(body)?.detail === "string" ? (asRecord(body)!.detail as string) : undefined;
    const base = { status, kind: ctx.kind, url, body };

    if (status >= 200 && status < 300) {
      if (!parsed.ok) {
        return {
          retry: new NetboxError("BAD_RESPONSE", `malformed JSON from NetBox: ${parsed.error}`, {
            ...base,
            body: undefined,
          }),
        };
      }
      return { ok: { status, headers, body: parsed.value } };
    }
    if (status === 401 || status === 403) {
      const permission = serverDetail === NO_PERMISSION;
      let message: string;
      if (permission) message = ctx.kind ? `token cannot read ${ctx.kind}` : "token lacks permission";
      else {
        message = `NetBox rejected the token: ${serverDetail ?? `HTTP ${status}`}`;
        if (this.tokenFormat === "v2" && serverDetail === "Authentication credentials were not provided.") {
          message += " (v2 nbt_ tokens need NetBox 4.5+)";
        }
      }
      throw new NetboxError("FORBIDDEN", message, {
        ...base,
        reason: permission ? "permission" : "authentication",
      });
    }
    if (status === 404) {
      // A JSON 404 is a missing/hidden object; Django's HTML 404 means the endpoint itself is unknown.
      if (ctx.notFoundOk && isJson) return { ok: null };
      throw new NetboxError(
        "NOT_FOUND",
        isJson ? (serverDetail ?? "not found") : `no such NetBox endpoint: ${url}`,
        base,
      );
    }
    if (status === 429 || status >= 500) {
      const retryAfterMs =
        status === 429 || status === 503 ? parseRetryAfter(headers.get("Retry-After")) : undefined;
      const what = status === 429 ? "rate limited (429)" : `HTTP ${status}`;
      return { retry: new NetboxError("UNAVAILABLE", `NetBox ${what}`, base), retryAfterMs };
    }
    throw new NetboxError(
      "BAD_REQUEST",
      `NetBox refused the request (HTTP ${status}): ${describeBody(body)}`,
      base,
    );
  }
}

// ---- helpers ----

const listPath = (kind: NetboxListKind) => `/api/${NETBOX_KIND_PATHS[kind]}/`;
const hasConfigContext = (kind: NetboxListKind) => kind === "devices" || kind === "virtual-machines";
const withId = (fields: readonly string[]) => [...new Set(["id", ...fields])].join(",");

function filterParams(filters: NetboxFilters | undefined): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters ?? {})) {
    if (RESERVED.has(key))
      throw new TypeError(`filter "${key}" is controlled by the client; use the listing options`);
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) params.append(key, v === null ? "null" : String(v));
  }
  return params;
}

function asRecord(x: unknown): Record<string, unknown> | null {
  return typeof x === "object" && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : null;
}

type Checked = { ok: true; obj: NetboxObject } | { ok: false; bad: MalformedObject };

function checkObject(raw: unknown, validate?: ObjectValidator): Checked {
  const obj = asRecord(raw);
  if (!obj) return { ok: false, bad: { reason: "not an object", raw } };
  const id = obj.id;
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id <= 0) {
    return { ok: false, bad: { reason: "missing or invalid id", raw } };
  }
  if (validate) {
    let reason: string | null | undefined;
    try {
      reason = validate(obj as NetboxObject);
    } catch (e) {
      reason = `validator threw: ${describe(e)}`;
    }
    if (reason) return { ok: false, bad: { id, reason, raw } };
  }
  return { ok: true, obj: obj as NetboxObject };
}

function validateObjectChange(o: NetboxObject): string | null {
  const action = asRecord(o.action)?.value;
  if (action !== "create" && action !== "update" && action !== "delete") return "invalid action";
  if (typeof o.changed_object_type !== "string") return "missing changed_object_type";
  if (typeof o.changed_object_id !== "number") return "missing changed_object_id";
  if (typeof o.time !== "string") return "missing time";
  return null;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, error: describe(e) };
  }
}

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** undici wraps socket errors: TypeError("fetch failed") with the real code on `cause`. */
function errorCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string") return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const cause = e.cause instanceof Error ? `: ${e.cause.message}` : "";
    return `${e.message}${cause}`;
  }
  return String(e);
}

function describeBody(body: unknown): string {
  const s = typeof body === "string" ? body : JSON.stringify(body);
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}
