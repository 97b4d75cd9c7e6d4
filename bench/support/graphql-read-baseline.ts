import http from "node:http";
import {
  type DocumentNode,
  execute,
  GraphQLBoolean,
  GraphQLEnumType,
  GraphQLError,
  GraphQLID,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  type GraphQLNullableType,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  parse,
  validate,
} from "graphql";
import pg from "pg";

/**
 * The baseline of the graphql-read bench: what a skilled hand-written server does for the nested operator
 * read. node:http, plain graphql-js (documents parsed and validated once per query text), and a root
 * resolver running ONE prepared SQL statement that builds the whole nested response (global ids, cursors,
 * ISO timestamps) with json_build_object/json_agg; every nested field is graphql-js's default property read.
 */

// base64url without padding, as Buffer#toString("base64url"). replace() is several times faster than
// translate(); encode() wraps lines every 76 characters, which only cursors are long enough to reach.
const b64url = (bytes: string, wrapped: boolean) => {
  const b64 = `encode(${bytes}, 'base64')`;
  const unwrapped = wrapped ? `replace(${b64}, E'\\n', '')` : b64;
  return `replace(replace(replace(${unwrapped}, '+', '-'), '/', '_'), '=', '')`;
};
// "Deployment:" and a uuid are 47 bytes, 63 characters in base64: never wrapped.
const gid = (type: string, id: string) => b64url(`convert_to('${type}:' || ${id}, 'UTF8')`, false);
// JSON.stringify([text, uuid]): to_json escapes text exactly as JSON.stringify does, without spaces.
const cursor = (text: string, id: string) =>
  b64url(`convert_to('[' || to_json(${text})::text || ',"' || ${id} || '"]', 'UTF8')`, true);
// Date#toISOString: UTC, milliseconds truncated (as pg's timestamp parser truncates microseconds).
const iso = (ts: string) => `to_char(${ts} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const CHILD_PAGE = 20; // the API's default page size for nested connections

// A service's effective backup policy, as fedicentral reads it: its own, else its provider's default.
const keep = (rule: string) => `'${rule}', COALESCE(bp.keep_${rule}, bd.keep_${rule})`;
const POLICY = `(SELECT CASE WHEN COALESCE(bp.schedule, bd.schedule) IS NOT NULL THEN json_build_object(
    'schedule', COALESCE(bp.schedule, bd.schedule),
    'keep', json_build_object(${["last", "hourly", "daily", "weekly", "monthly", "yearly"].map(keep).join(", ")})) END
  FROM (SELECT 1) one LEFT JOIN backup_policy bp ON bp.service_id = s.id
  LEFT JOIN backup_default bd ON bd.provider_id = p.provider_id AND bd.service_type_id = s.service_type_id)`;

export const BASELINE_SQL = `
WITH page AS (
  SELECT o.*, row_number() OVER (ORDER BY o.name, o.id) AS rn
  FROM operator o ORDER BY o.name, o.id LIMIT $1::int + 1
), edges AS (
  SELECT p.rn, ${cursor("p.name", "p.id")} AS cursor, json_build_object(
    'id', ${gid("Operator", "p.id")},
    'slug', p.slug,
    'name', p.name,
    'contactEmail', p.contact_email,
    'dnsZone', p.dns_zone,
    'status', p.status,
    'quota', json_build_object('storageGib', p.quota_storage_gib, 'vcpus', p.quota_vcpus,
                               'memoryGib', p.quota_memory_gib),
    'bespokeInfo', p.bespoke_info,
    'createdAt', ${iso("p.created_at")},
    'updatedAt', ${iso("p.updated_at")},
    'deployments', (
      SELECT json_build_object('edges', COALESCE(json_agg(json_build_object(
        'cursor', ${cursor("d.name", "d.id")},
        'node', json_build_object(
          'id', ${gid("Deployment", "d.id")},
          'name', d.name,
          'stagedGeneration', d.staged_generation,
          'deployedGeneration', d.deployed_generation,
          'deployedAt', ${iso("d.deployed_at")},
          'createdAt', ${iso("d.created_at")},
          'updatedAt', ${iso("d.updated_at")},
          'services', (
            SELECT json_build_object('edges', COALESCE(json_agg(json_build_object(
              'cursor', ${cursor("s.domain", "s.id")},
              'node', json_build_object(
                'id', ${gid("Service", "s.id")},
                'enabled', s.enabled,
                'domain', s.domain,
                'options', s.options,
                'blockStorageGib', s.block_storage_gib,
                'blobStorageGib', s.blob_storage_gib,
                'vcpus', s.vcpus,
                'memoryGib', s.memory_gib,
                'backupPolicy', ${POLICY},
                'createdAt', ${iso("s.created_at")},
                'updatedAt', ${iso("s.updated_at")}))
              ORDER BY s.domain, s.id), '[]'::json))
            FROM (SELECT * FROM service s WHERE s.deployment_id = d.id
                  ORDER BY s.domain, s.id LIMIT ${CHILD_PAGE}) s)))
        ORDER BY d.name, d.id), '[]'::json))
      FROM (SELECT * FROM deployment d WHERE d.operator_id = p.id
            ORDER BY d.name, d.id LIMIT ${CHILD_PAGE}) d)
  ) AS node
  FROM page p WHERE p.rn <= $1::int
)
SELECT json_build_object(
  'edges', COALESCE((SELECT json_agg(json_build_object('cursor', e.cursor, 'node', e.node) ORDER BY e.rn)
                     FROM edges e), '[]'::json),
  'pageInfo', json_build_object(
    'hasNextPage', (SELECT count(*) FROM page) > $1::int,
    'endCursor', (SELECT e.cursor FROM edges e ORDER BY e.rn DESC LIMIT 1))
) AS result`;

/** The types of the bench query, with the scalars as the SQL already serialized them. */
export function baselineSchema(operators: (first: number) => Promise<unknown>): GraphQLSchema {
  const nn = <T extends GraphQLNullableType>(t: T) => new GraphQLNonNull(t);
  const list = <T extends GraphQLNullableType>(t: T) => nn(new GraphQLList(nn(t)));
  const DateTimeISO = new GraphQLScalarType({ name: "DateTimeISO", serialize: (v) => v });
  const JSONObject = new GraphQLScalarType({ name: "JSONObject", serialize: (v) => v });
  const OperatorStatus = new GraphQLEnumType({
    name: "OperatorStatus",
    values: { ACTIVE: { value: "active" }, SUSPENDED: { value: "suspended" } },
  });
  const PageInfo = new GraphQLObjectType({
    name: "PageInfo",
    fields: { hasNextPage: { type: nn(GraphQLBoolean) }, endCursor: { type: GraphQLString } },
  });
  const connection = (node: GraphQLObjectType) => {
    const Edge = new GraphQLObjectType({
      name: `${node.name}Edge`,
      fields: { cursor: { type: nn(GraphQLString) }, node: { type: nn(node) } },
    });
    return new GraphQLObjectType({
      name: `${node.name}Connection`,
      fields: { edges: { type: list(Edge) }, pageInfo: { type: nn(PageInfo) } },
    });
  };
  const rule = { type: nn(GraphQLInt) };
  const KeepRules = new GraphQLObjectType({
    name: "KeepRules",
    fields: { last: rule, hourly: rule, daily: rule, weekly: rule, monthly: rule, yearly: rule },
  });
  const BackupPolicy = new GraphQLObjectType({
    name: "ServiceBackupPolicy",
    fields: { schedule: { type: nn(GraphQLString) }, keep: { type: nn(KeepRules) } },
  });
  const Service = new GraphQLObjectType({
    name: "Service",
    fields: {
      id: { type: nn(GraphQLID) },
      enabled: { type: nn(GraphQLBoolean) },
      domain: { type: nn(GraphQLString) },
      options: { type: nn(JSONObject) },
      blockStorageGib: { type: nn(GraphQLInt) },
      blobStorageGib: { type: nn(GraphQLInt) },
      vcpus: { type: nn(GraphQLInt) },
      memoryGib: { type: nn(GraphQLInt) },
      backupPolicy: { type: BackupPolicy },
      createdAt: { type: nn(DateTimeISO) },
      updatedAt: { type: nn(DateTimeISO) },
    },
  });
  const Deployment = new GraphQLObjectType({
    name: "Deployment",
    fields: {
      id: { type: nn(GraphQLID) },
      name: { type: nn(GraphQLString) },
      stagedGeneration: { type: nn(GraphQLInt) },
      deployedGeneration: { type: GraphQLInt },
      deployedAt: { type: DateTimeISO },
      createdAt: { type: nn(DateTimeISO) },
      updatedAt: { type: nn(DateTimeISO) },
      services: { type: nn(connection(Service)) },
    },
  });
  const Quota = new GraphQLObjectType({
    name: "Quota",
    fields: {
      storageGib: { type: nn(GraphQLInt) },
      vcpus: { type: nn(GraphQLInt) },
      memoryGib: { type: nn(GraphQLInt) },
    },
  });
  const Operator = new GraphQLObjectType({
    name: "Operator",
    fields: {
      id: { type: nn(GraphQLID) },
      slug: { type: nn(GraphQLString) },
      name: { type: nn(GraphQLString) },
      contactEmail: { type: nn(GraphQLString) },
      dnsZone: { type: nn(GraphQLString) },
      status: { type: nn(OperatorStatus) },
      quota: { type: nn(Quota) },
      bespokeInfo: { type: nn(JSONObject) },
      createdAt: { type: nn(DateTimeISO) },
      updatedAt: { type: nn(DateTimeISO) },
      deployments: { type: nn(connection(Deployment)) },
    },
  });
  const Query = new GraphQLObjectType({
    name: "Query",
    fields: {
      operators: {
        type: nn(connection(Operator)),
        args: { first: { type: GraphQLInt } },
        resolve: (_root, args: { first?: number | null }) => {
          const first = args.first ?? 20;
          if (!Number.isInteger(first) || first < 0 || first > 100) {
            throw new GraphQLError("first must be between 0 and 100");
          }
          return operators(first);
        },
      },
    },
  });
  return new GraphQLSchema({ query: Query });
}

export type BaselineServer = {
  url: string;
  /** SQL statements sent so far (through the one wrapped pool.query). */
  statements: () => number;
  stop: () => Promise<void>;
};

export async function startBaselineServer(databaseUrl: string, poolSize = 10): Promise<BaselineServer> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  let statements = 0;
  const query = (text: string, values: unknown[]) => {
    statements += 1;
    // A named statement: parsed and planned once per connection.
    return pool.query({ name: "bench_operators_page", text, values });
  };
  const schema = baselineSchema(async (first) => {
    const { rows } = await query(BASELINE_SQL, [first]);
    return (rows[0] as { result: unknown }).result;
  });

  const documents = new Map<string, DocumentNode>();
  const documentOf = (text: string): DocumentNode | readonly GraphQLError[] => {
    const cached = documents.get(text);
    if (cached) return cached;
    let doc: DocumentNode;
    try {
      doc = parse(text);
    } catch (e) {
      return [e as GraphQLError];
    }
    const errors = validate(schema, doc);
    if (errors.length > 0) return errors;
    if (documents.size >= 1000) documents.clear();
    documents.set(text, doc);
    return doc;
  };

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    const bytes = Buffer.from(JSON.stringify(body)); // encoded once, for both the length and the body
    res.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "content-length": bytes.length,
    });
    res.end(bytes);
  };

  const handle = async (res: http.ServerResponse, raw: string) => {
    let body: { query?: unknown; variables?: unknown; operationName?: unknown };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      return send(res, 400, { errors: [{ message: "body is not JSON" }] });
    }
    if (typeof body.query !== "string") return send(res, 400, { errors: [{ message: "no query" }] });
    const doc = documentOf(body.query);
    if (Array.isArray(doc)) return send(res, 400, { errors: doc });
    const result = await execute({
      schema,
      document: doc as DocumentNode,
      variableValues: (body.variables as Record<string, unknown> | undefined) ?? undefined,
      operationName: typeof body.operationName === "string" ? body.operationName : undefined,
    });
    send(res, 200, result);
  };

  const server = http.createServer((req, res) => {
    if (req.method !== "POST" || req.url !== "/graphql") return send(res, 404, { error: "not found" });
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      handle(res, Buffer.concat(chunks).toString("utf8")).catch((e: unknown) => {
        send(res, 500, { errors: [{ message: e instanceof Error ? e.message : String(e) }] });
      });
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    statements: () => statements,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await pool.end();
    },
  };
}
