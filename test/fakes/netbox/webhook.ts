// Webhook deliveries as NetBox's RQ worker sends them (README.md, "The NetBox contract" §7).
import { createHmac, randomUUID } from "node:crypto";

import { snapshot, type FakeNetboxData } from "./data.js";
import { KIND_INFO, type AnyRow, type FakeKind } from "./model.js";
import { full, webhookSnapshot } from "./serialize.js";

export interface WebhookEvent {
  event: "created" | "updated" | "deleted";
  kind: FakeKind;
  id: number;
  /** The object's row when it is no longer in the store (deletes). */
  row?: AnyRow;
  /** Changelog-format snapshots; defaults derive from the current row. */
  prechange?: Record<string, unknown> | null;
  postchange?: Record<string, unknown> | null;
  username?: string;
  requestId?: string;
  /** The event rule's action_data, merged into `data`. */
  actionData?: Record<string, unknown>;
  timestamp?: string;
}

export interface WebhookDelivery {
  status: number;
  /** The exact bytes that were signed and sent. */
  body: string;
  signature: string | null;
  responseBody: string;
}

/** `X-Hook-Signature`: hex HMAC-SHA512 of the raw body with the webhook's secret. */
export const signWebhook = (secret: string, rawBody: string | Buffer): string =>
  createHmac("sha512", secret).update(rawBody).digest("hex");

/** Python's `timezone.now().isoformat()`: microseconds and `+00:00`, not `Z`. */
const pythonNow = () => new Date().toISOString().replace(/\.(\d{3})Z$/, ".$1000+00:00");

export function webhookBody(data: FakeNetboxData, minor: number, ev: WebhookEvent): Record<string, unknown> {
  const row = ev.row ?? data.table(ev.kind).get(ev.id);
  if (!row) throw new Error(`webhook: ${ev.kind} ${ev.id} not in store; pass row`);
  const current = snapshot(data, ev.kind, row);
  const prechange = ev.prechange !== undefined ? ev.prechange : ev.event === "created" ? null : current;
  const postchange = ev.postchange !== undefined ? ev.postchange : ev.event === "deleted" ? null : current;
  const objectType = KIND_INFO[ev.kind].objectType;
  const requestId = ev.requestId ?? randomUUID();
  const username = ev.username ?? "admin";
  // request=None in the worker, so url/display_url are relative.
  const serialized = { ...full({ data, minor, base: "" }, ev.kind, row), ...(ev.actionData ?? {}) };
  return {
    event: ev.event,
    timestamp: ev.timestamp ?? pythonNow(),
    // ≤4.3 sent only `model`; 4.4 both; 4.5+ only object_type.
    ...(minor <= 4 ? { model: objectType.split(".")[1] } : {}),
    ...(minor >= 4 ? { object_type: objectType } : {}),
    username,
    request_id: requestId,
    data: serialized,
    ...(minor >= 6
      ? {
          request: {
            id: requestId,
            method: methodFor(ev.event),
            path: `/api/${KIND_INFO[ev.kind].path}/${row.id}/`,
            user: username,
          },
        }
      : {}),
    snapshots: { prechange: webhookSnapshot(prechange), postchange: webhookSnapshot(postchange) },
  };
}

const methodFor = (event: WebhookEvent["event"]) =>
  event === "created" ? "POST" : event === "updated" ? "PATCH" : "DELETE";

export async function deliverWebhook(
  targetUrl: string,
  secret: string | null,
  body: Record<string, unknown>,
): Promise<WebhookDelivery> {
  const raw = JSON.stringify(body);
  const signature = secret ? signWebhook(secret, raw) : null;
  const res = await fetch(targetUrl, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(signature ? { "X-Hook-Signature": signature } : {}) },
    body: raw,
  });
  return { status: res.status, body: raw, signature, responseBody: await res.text() };
}
