import type { DataSource } from "typeorm";
import { dbOf } from "../db/db.js";
import { SqlFilter, listPage, listSql } from "../db/list-page.js";
import type { Connection, PageArgs } from "../api/connection.js";
import type { Caller } from "../common/caller.js";
import { SERVICE_TYPE_COLUMNS } from "./service-type.loaders.js";
import { type ServiceType, toServiceType } from "./service-type.types.js";
import { textKey, uuidKey } from "../db/sort-key.js";

const SERVICE_TYPE_LIST = listSql("catalog.serviceTypes", "service_type t", SERVICE_TYPE_COLUMNS);

export class CatalogService {
  constructor(private readonly ds: DataSource) {}

  list(_caller: Caller, federated: boolean | undefined, args: PageArgs): Promise<Connection<ServiceType>> {
    const f = new SqlFilter();
    if (federated !== undefined) f.add((p) => `t.federated = ${p}`, federated);
    return listPage(dbOf(this.ds), {
      sql: SERVICE_TYPE_LIST,
      filter: f,
      order: [textKey("t.slug"), uuidKey("t.id")],
      direction: "ASC",
      args,
      map: toServiceType,
      cursorOf: (t) => [t.slug, t.uuid],
    });
  }
}
