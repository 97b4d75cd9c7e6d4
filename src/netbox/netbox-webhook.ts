// POST /webhooks/netbox/<provider slug>: NetBox event-rule webhooks (README.md, "The NetBox contract" §7).
// The signature is an HMAC-SHA512 of the raw body, so the body is read raw here, before any JSON parser
// could re-encode it.
import { createHmac, timingSafeEqual } from "node:crypto";
import express, { type Request, type Response } from "express";
import type { DataSource } from "typeorm";
import { FailureTallies } from "../accounting/failure-tally.js";
import { dbOf } from "../db/db.js";
import { inTransaction } from "../db/transaction.js";
import type { Caller } from "../common/caller.js";
import type { Logger } from "../logger.js";
import { type NetboxKind, kindOfModel, kindOfObjectType } from "./kinds.js";
import { extractMirrorRow } from "./mirror-row.js";
import { applyWebhookObject } from "./mirror-writer.js";
import { type NetboxConfig, loadNetboxConfig } from "./netbox-config.js";
import { SyncSetupError, sealContext, unseal } from "./netbox-connection.js";
import { requestIdOf } from "../http/request-id.js";
import { inputProblem } from "../common/text.js";
import { sql } from "../db/named-sql.js";

const EVENTS = new Set(["created", "updated", "deleted"]);

export function netboxWebhookRouter(
  ds: DataSource,
  log: Logger,
  failures: FailureTallies = new FailureTallies(ds),
  config: NetboxConfig = loadNetboxConfig(),
) {
  const router = express.Router();
  // NetBox sends one object (with its snapshots) per webhook: far below this.
  router.post("/:provider", express.raw({ type: () => true, limit: "1mb" }), (req, res) => {
    handle(ds, log, failures, config, req, res).catch((e: unknown) => {
      log.error({ err: e }, "NetBox webhook failed");
      if (!res.headersSent) res.status(500).json({ error: "internal error" });
    });
  });
  return router;
}

const CONNECTION = sql(
  "netbox.webhook.connection",
  `SELECT c.provider_id AS "providerId", c.url, c.kinds, c.webhook_secret_sealed AS secret
       FROM netbox_connection c JOIN provider p ON p.id = c.provider_id WHERE p.slug = $1`,
);

async function handle(
  ds: DataSource,
  log: Logger,
  failures: FailureTallies,
  config: NetboxConfig,
  req: Request,
  res: Response,
) {
  const slug = String(req.params.provider);
  const [conn] = await dbOf(ds).query<{
    providerId: string;
    url: string;
    kinds: string[];
    secret: string | null;
  }>(CONNECTION, [slug]);
  if (!conn) {
    res.status(404).json({ error: "no NetBox connection for this provider" });
    return;
  }
  const caller: Caller = {
    requestId: requestIdOf(req),
    principal: null,
    client: { ip: req.ip ?? null, userAgent: req.header("user-agent") ?? null },
  };
  // The sender is known by its address only: its refusals are counted in tallies, not each written.
  const refuse = async (status: number, reason: string) => {
    await failures.record(caller, {
      action: "netbox-webhook",
      targetKind: "netbox-connection",
      targetId: conn.providerId,
      reason,
    });
    log.warn({ providerId: conn.providerId, ip: req.ip, reason }, "NetBox webhook refused");
    res.status(status).json({ error: reason });
  };

  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  if (!conn.secret) return refuse(403, "no webhook secret is configured for this provider");
  let secret: string;
  try {
    secret = unseal(config.secretBox, conn.secret, sealContext("webhook_secret", conn.providerId));
  } catch (e) {
    if (!(e instanceof SyncSetupError)) throw e;
    log.error({ err: e }, "cannot open the NetBox webhook secret");
    res.status(503).json({ error: "the webhook secret cannot be read" });
    return;
  }
  if (!signatureMatches(secret, body, req.header("x-hook-signature")))
    return refuse(403, "bad webhook signature");

  let event: Record<string, unknown>;
  try {
    event = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
    if (typeof event !== "object" || event === null || Array.isArray(event)) throw new Error("not an object");
  } catch {
    return refuse(400, "the webhook body is not a JSON object");
  }
  // NUL, a lone surrogate or extreme nesting would fail in PostgreSQL (a 500) rather than be refused.
  const problem = inputProblem(event, "body");
  if (problem) return refuse(400, problem.message);
  const kind = kindOf(event);
  if (!EVENTS.has(String(event.event)) || !kind || !conn.kinds.includes(kind)) {
    res.json({ result: "ignored" });
    return;
  }
  const data = absoluteUrls(event.data, new URL(conn.url).origin);
  if (data && typeof data === "object" && (kind === "devices" || kind === "virtual-machines")) {
    // Listings exclude config_context; leave it out here too, so both copies compare equal.
    delete (data as Record<string, unknown>).config_context;
  }
  const x = extractMirrorRow(kind, data);
  if (!x.ok) return refuse(422, `malformed ${kind} object: ${x.reason}`);
  const outcome = await inTransaction(ds, (tx) =>
    applyWebhookObject(dbOf(tx), conn.providerId, kind, x.row, event.event === "deleted"),
  );
  log.debug(
    { providerId: conn.providerId, kind, netboxId: x.row.netbox_id, outcome },
    "NetBox webhook applied",
  );
  res.json({ result: outcome });
}

/** `X-Hook-Signature`: hex HMAC-SHA512 of the raw body, compared in constant time. */
export function signatureMatches(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header || !/^[0-9a-fA-F]{128}$/.test(header)) return false;
  const expected = createHmac("sha512", secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(header, "hex"));
}

/** 4.4+ send `object_type` ("dcim.device"); 4.2–4.3 only `model` ("device"). */
function kindOf(event: Record<string, unknown>): NetboxKind | undefined {
  if (typeof event.object_type === "string") return kindOfObjectType(event.object_type);
  if (typeof event.model === "string") return kindOfModel(event.model);
  return undefined;
}

/** Webhook data carries relative URLs (no request in NetBox's worker); the REST API sends absolute ones. */
function absoluteUrls(value: unknown, origin: string): unknown {
  if (Array.isArray(value)) return value.map((v) => absoluteUrls(v, origin));
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] =
      (k === "url" || k === "display_url") && typeof v === "string" && v.startsWith("/")
        ? `${origin}${v}`
        : absoluteUrls(v, origin);
  }
  return out;
}
