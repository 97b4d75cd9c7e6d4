// Plain HTTP for auditors: GET /accounting/export (streamed) and GET /accounting/keys (JWKS).

import { type Request, Router } from "express";
import type { DataSource } from "typeorm";
import { Permission } from "../authz/permissions.js";
import { fromGlobalId } from "../common/global-id.js";
import { dbOf } from "../db/db.js";
import type { Caller } from "../common/caller.js";
import type { Logger } from "../logger.js";
import { type AccountingConfig, loadAccountingConfig } from "./accounting-config.js";
import { PROVIDER_CHAIN } from "./chain.js";
import { EXPORT_FORMATS, type ExportFormat, type ExportScope, recordExport, writeExport } from "./export.js";
import { sealPending } from "./sealer.js";
import { listPublicKeys, toJwk } from "./signing.js";
import { requestIdOf } from "../http/request-id.js";
import { sql } from "../db/named-sql.js";

export type HttpDecision =
  { allow: true; caller: Caller } | { allow: false; status: 401 | 403; message: string };

/**
 * Decides whether a plain HTTP request may use a permission on an operator's data (operatorId null: the
 * chain of events of no operator, or every chain: installation-wide only). The authorization work plugs its check in here; until then
 * every request is let through as anonymous, like the GraphQL API.
 */
export type HttpAuthorizer = (
  req: Request,
  permission: Permission,
  operatorId: string | null,
) => Promise<HttpDecision>;

export const anonymousCaller = (req: Request, requestId: string): Caller => ({
  requestId,
  principal: null,
  client: { ip: req.ip ?? null, userAgent: req.header("user-agent") ?? null },
});

const allowAll: HttpAuthorizer = async (req) => ({
  allow: true,
  caller: anonymousCaller(req, String(req.res?.locals.requestId ?? "")),
});

const OPERATOR_EXISTS = sql("accounting.http.operatorExists", `SELECT 1 FROM operator WHERE id = $1`);

export function accountingHttp(opts: { ds: DataSource; log: Logger; authorize?: HttpAuthorizer }): Router {
  const { ds, log } = opts;
  const authorize = opts.authorize ?? allowAll;
  let config: AccountingConfig | undefined;
  const signingSecret = () => (config ??= loadAccountingConfig()).signingKeySecret;
  const router = Router();

  router.use((req, res, next) => {
    res.locals.requestId = requestIdOf(req);
    next();
  });

  // Public keys are public: an auditor fetches them once and verifies exports offline.
  router.get("/keys", async (_req, res, next) => {
    try {
      const keys = await listPublicKeys(dbOf(ds), signingSecret());
      res.setHeader("cache-control", "public, max-age=300");
      res.json({
        keys: keys.map((k) => ({
          ...toJwk(k),
          active: k.active,
          created_at: k.createdAt,
          retired_at: k.retiredAt,
        })),
      });
    } catch (e) {
      next(e);
    }
  });

  router.get("/export", async (req, res) => {
    const parsed = parseExportQuery(req);
    if ("error" in parsed) {
      res.status(400).json({ error: parsed.error, field: parsed.field });
      return;
    }
    const { scope, format } = parsed;
    const operatorId = scope.chain !== null && scope.chain !== PROVIDER_CHAIN ? scope.chain : null;
    try {
      const decision = await authorize(req, Permission.AccountingRead, operatorId);
      if (!decision.allow) {
        res.status(decision.status).json({ error: decision.message });
        return;
      }
      if (operatorId) {
        const [exists] = await dbOf(ds).query(OPERATOR_EXISTS, [operatorId]);
        if (!exists) {
          res.status(404).json({ error: "operator not found", field: "operator" });
          return;
        }
      }
      await recordExport(ds, decision.caller, scope);
      // Everything committed before the request is in the export (a no-op while another sealer works).
      await sealPending(ds);
    } catch (e) {
      log.error({ err: e, requestId: res.locals.requestId }, "accounting export failed to start");
      res.status(500).json({ error: "internal error", requestId: res.locals.requestId });
      return;
    }
    const day = new Date().toISOString().slice(0, 10);
    res.setHeader(
      "content-type",
      format === "csv" ? "text/csv; charset=utf-8" : "application/jsonl; charset=utf-8",
    );
    res.setHeader(
      "content-disposition",
      `attachment; filename="accounting-${scope.chain ?? "all"}-${day}.${format}"`,
    );
    res.setHeader("cache-control", "no-store");
    try {
      await writeExport(ds, scope, format, res, {
        checkpointIntervalMs: (config ??= loadAccountingConfig()).checkpointIntervalMs,
      });
    } catch (e) {
      // Headers are out: cutting the connection is the only way to tell the client (the file has no end record).
      log.error({ err: e, requestId: res.locals.requestId }, "accounting export broke off");
      res.destroy();
    }
  });

  return router;
}

type ParsedQuery = { scope: ExportScope; format: ExportFormat } | { error: string; field: string };

function parseExportQuery(req: Request): ParsedQuery {
  const q = (name: string) => {
    const v = req.query[name];
    return typeof v === "string" && v !== "" ? v : null;
  };
  const format = (q("format") ?? "jsonl") as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) return { error: "format must be jsonl or csv", field: "format" };
  let chain: string | null = null;
  const operator = q("operator");
  if (operator === PROVIDER_CHAIN) chain = PROVIDER_CHAIN;
  else if (operator !== null) {
    const id = fromGlobalId(operator);
    if (!id || id.type !== "Operator")
      return { error: "operator is not a valid Operator id", field: "operator" };
    chain = id.id;
  }
  const times: Record<"from" | "to", string | null> = { from: null, to: null };
  for (const name of ["from", "to"] as const) {
    const v = q(name);
    if (v === null) continue;
    if (Number.isNaN(Date.parse(v))) return { error: `${name} must be an RFC 3339 time`, field: name };
    times[name] = new Date(v).toISOString();
  }
  if (times.from && times.to && times.from >= times.to)
    return { error: "to must be after from", field: "to" };
  return { scope: { chain, ...times }, format };
}
