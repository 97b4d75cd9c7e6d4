import type { DataSource } from "typeorm";
import { dbOf } from "../db/db.js";
import { keysetSql } from "../db/keyset.js";
import { type Connection, type PageArgs, pageRequest, toConnection } from "../graphql/connection.js";
import type { Caller } from "../graphql/context.js";
import { SERVICE_TYPE_COLUMNS } from "./service-type.loaders.js";
import { type ServiceType, toServiceType } from "./service-type.types.js";

export class CatalogService {
  constructor(private readonly ds: DataSource) {}

  async list(
    _caller: Caller,
    federated: boolean | undefined,
    args: PageArgs,
  ): Promise<Connection<ServiceType>> {
    const page = pageRequest(args);
    const params: unknown[] = [];
    const where: string[] = [];
    if (federated !== undefined) {
      params.push(federated);
      where.push(`t.federated = $1`);
    }
    const countParams = [...params];
    const countWhere = [...where];
    const ks = keysetSql(page, ["t.slug", "t.id"], "ASC", params);
    if (ks.where) where.push(ks.where);
    const db = dbOf(this.ds);
    const rows = await db.query(
      `SELECT ${SERVICE_TYPE_COLUMNS} FROM service_type t ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY ${ks.orderBy} LIMIT ${ks.limit}`,
      params,
    );
    return toConnection(
      rows.map(toServiceType),
      page,
      (t) => [t.slug, t.uuid],
      async () => {
        const [r] = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM service_type t ${countWhere.length ? `WHERE ${countWhere.join(" AND ")}` : ""}`,
          countParams,
        );
        return r?.n ?? 0;
      },
    );
  }
}
