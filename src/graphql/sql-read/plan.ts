import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLEnumType,
  type GraphQLField,
  GraphQLObjectType,
  type GraphQLSchema,
  Kind,
  type SelectionSetNode,
  getNamedType,
  getOperationAST,
  GraphQLBoolean,
  GraphQLInt,
  type GraphQLScalarType,
  isLeafType,
} from "graphql";
import { getArgumentValues, getVariableValues } from "graphql/execution/values.js";
import { type PageRequest, pageRequest } from "../../api/connection.js";
import type { Access } from "../../authz/access.js";
import { AUTHZ_EXTENSION } from "../../authz/rules.js";
import { keysetSql } from "../../db/keyset.js";
import { type ConnectionSql, type FieldSql, base64url } from "../../api/sql-projection.js";
import type { SqlReadRegistry } from "../../api/sql-projection-registry.js";

/** The operation has a part the planner does not read in SQL: the usual execution answers it, always. */
export class Unsupported extends Error {}
/** This request's arguments are not for the planner (say, a bad cursor): the usual execution answers it. */
export class NotThisTime extends Error {}

export type ReadPlan = {
  sql: string;
  params: unknown[];
  rootField: GraphQLField<unknown, unknown>;
};

type Vars = Record<string, unknown>;

/**
 * Turns a query whose one root field is a registered connection, and whose every selected field has a
 * projection, into one statement answering that field's JSON. Throws Unsupported or NotThisTime otherwise.
 * The caller's reach is applied where the usual path applies it (the connections' scopes).
 */
export function planRead(
  schema: GraphQLSchema,
  registry: SqlReadRegistry,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Vars,
  access: Access,
): ReadPlan {
  const op = getOperationAST(document, operationName);
  if (!op || op.operation !== "query" || op.directives?.length) throw new Unsupported();
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const query = schema.getQueryType()!;
  const roots = fieldsOf(op.selectionSet, query.name, fragments);
  if (roots.length !== 1) throw new Unsupported();
  const node = roots[0]!;
  const root = registry.roots.get(node.name.value);
  const field = query.getFields()[node.name.value];
  if (!root || !field) throw new Unsupported();
  const coerced = getVariableValues(schema, op.variableDefinitions ?? [], variables);
  if (coerced.errors) throw new NotThisTime();
  const b = new Builder(schema, registry, fragments, coerced.coerced, access);
  const sql = b.connection(root, field, node, null);
  return {
    // The whole response body, as Apollo writes it: the server sends PostgreSQL's text without copying it.
    sql: `SELECT ${literal(`{"data":{${JSON.stringify(responseKey(node))}:`)} || ${sql} || E'}}\\n' AS body`,
    params: b.params,
    rootField: field,
  };
}

const responseKey = (f: FieldNode) => f.alias?.value ?? f.name.value;

/** The fields of a selection on a type, fragments flattened; no directives, each response key once. */
function fieldsOf(
  set: SelectionSetNode | undefined,
  typeName: string,
  fragments: Map<string, FragmentDefinitionNode>,
  out: FieldNode[] = [],
  keys = new Set<string>(),
): FieldNode[] {
  if (!set) throw new Unsupported();
  for (const s of set.selections) {
    if (s.directives?.length) throw new Unsupported();
    if (s.kind === Kind.FIELD) {
      const key = responseKey(s);
      if (keys.has(key)) throw new Unsupported();
      keys.add(key);
      out.push(s);
      continue;
    }
    const fragment = s.kind === Kind.INLINE_FRAGMENT ? s : fragments.get(s.name.value);
    if (!fragment || (fragment.typeCondition && fragment.typeCondition.name.value !== typeName))
      throw new Unsupported();
    if (fragment.directives?.length) throw new Unsupported();
    fieldsOf(fragment.selectionSet, typeName, fragments, out, keys);
  }
  return out;
}

const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;

class Builder {
  readonly params: unknown[] = [];
  private aliases = 0;
  /** The node rows being built, outermost first: their GraphQL type and alias. */
  private readonly rows: { type: string; alias: string }[] = [];

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly registry: SqlReadRegistry,
    private readonly fragments: Map<string, FragmentDefinitionNode>,
    private readonly variables: Vars,
    private readonly access: Access,
  ) {}

  private param(v: unknown, cast = ""): string {
    this.params.push(v);
    return `$${this.params.length}${cast}`;
  }

  private objectType(field: GraphQLField<unknown, unknown>): GraphQLObjectType {
    const t = getNamedType(field.type);
    if (!(t instanceof GraphQLObjectType)) throw new Unsupported();
    return t;
  }

  /** The JSON text of the selected fields of one object, read from the row t. */
  object(
    type: GraphQLObjectType,
    specs: Readonly<Record<string, FieldSql>>,
    set: SelectionSetNode | undefined,
    t: string,
  ): string {
    const pairs: [string, string][] = [];
    for (const f of fieldsOf(set, type.name, this.fragments)) {
      const name = f.name.value;
      if (name === "__typename") {
        pairs.push([responseKey(f), jsonString(type.name)]);
        continue;
      }
      const spec = specs[name];
      const def = type.getFields()[name];
      // A field with its own authorization rule is decided per object by the guard (src/authz/guard.ts).
      if (!spec || !def || def.extensions?.[AUTHZ_EXTENSION]) throw new Unsupported();
      if (spec.kind !== "connection" && f.arguments?.length) throw new Unsupported();
      pairs.push([responseKey(f), this.field(spec, def, f, t)]);
    }
    return jsonObject(pairs);
  }

  private field(spec: FieldSql, def: GraphQLField<unknown, unknown>, f: FieldNode, t: string): string {
    switch (spec.kind) {
      case "value": {
        const leaf = getNamedType(def.type);
        if (!isLeafType(leaf) || f.selectionSet) throw new Unsupported();
        return leafJson(leaf, spec.sql(t), spec.plain === true || spec.json === true ? spec : undefined);
      }
      case "object":
        return this.object(this.objectType(def), spec.fields, f.selectionSet, t);
      case "related": {
        const n = ++this.aliases;
        const a = (name: string) => `${name}_${n}`;
        const obj = this.object(this.objectType(def), spec.fields(a), f.selectionSet, t);
        const up = (type: string) => this.rows.findLast((r) => r.type === type)?.alias ?? null;
        return `COALESCE((SELECT CASE WHEN ${spec.present(a)} THEN ${obj} END ${spec.from(t, a, up)}), 'null')`;
      }
      case "connection":
        return this.connection(spec.connection, def, f, t);
    }
  }

  /** One page of a connection, as its JSON; `parent` is the parent row's alias (null at the root). */
  connection(
    spec: ConnectionSql,
    def: GraphQLField<unknown, unknown>,
    node: FieldNode,
    parent: string | null,
  ): string {
    const page = this.page(def, node);
    const n = ++this.aliases;
    const c = `c${n}`;
    const p = `p${n}`;
    const connType = this.objectType(def);
    const nodeType = this.schema.getType(spec.nodeType);
    const nodeSpecs = this.registry.types.get(spec.nodeType);
    if (!(nodeType instanceof GraphQLObjectType) || !nodeSpecs) throw new Unsupported();
    const keys = spec.keys.map((k) => ({ column: `${c}.${k.column}`, accepts: k.accepts }));

    const where: string[] = [];
    if (spec.parent) {
      if (parent === null) throw new Unsupported();
      where.push(spec.parent(c, parent));
    }
    let ks: ReturnType<typeof keysetSql>;
    try {
      ks = keysetSql(page, keys, "ASC", this.params);
    } catch {
      throw new NotThisTime();
    }
    if (ks.where) where.push(ks.where);
    const scoped = spec.scope?.(this.access, c, this.params);
    if (scoped) where.push(scoped);
    // The row past the page is read only to answer hasNextPage; rows are numbered only when that row must be
    // left out or a page cursor (start, end) is asked for.
    const selected = fieldsOf(node.selectionSet, connType.name, this.fragments);
    const info = new Set(
      selected
        .filter((f) => f.name.value === "pageInfo")
        .flatMap((f) =>
          fieldsOf(
            f.selectionSet,
            getNamedType(connType.getFields().pageInfo!.type).name,
            this.fragments,
          ).map((i) => i.name.value),
        ),
    );
    const readsMore = info.has("hasNextPage");
    const numbered = readsMore || info.has("startCursor") || info.has("endCursor");
    const limit = this.param(readsMore ? ks.limit : page.limit, "::int");
    // A parameter PostgreSQL never sees used cannot be typed: the page size is bound only when used.
    let sizeParam: string | undefined;
    const size = () => (sizeParam ??= this.param(page.limit, "::int"));
    const agg = (item: string) =>
      numbered
        ? `COALESCE('[' || string_agg(${item}, ',' ORDER BY ${p}.rn_)${readsMore ? ` FILTER (WHERE ${p}.rn_ <= ${size()})` : ""} || ']', '[]')`
        : `COALESCE('[' || string_agg(${item}, ',' ORDER BY ${spec.keys.map((k) => `${p}.${k.column}`).join(", ")}) || ']', '[]')`;

    let cursorUsed = false;
    let countUsed = false;
    const cursor = () => {
      cursorUsed = true;
      return `${p}.cur_`;
    };
    const nodeJson = (set: SelectionSetNode | undefined) => {
      this.rows.push({ type: nodeType.name, alias: p });
      const json = this.object(nodeType, nodeSpecs, set, p);
      this.rows.pop();
      return json;
    };
    const parts: [string, string][] = [];
    for (const f of selected) {
      const key = responseKey(f);
      const sub = connType.getFields()[f.name.value];
      switch (f.name.value) {
        case "__typename":
          parts.push([key, jsonString(connType.name)]);
          break;
        case "edges": {
          const edgeType = this.objectType(sub!);
          const edge: [string, string][] = [];
          for (const e of fieldsOf(f.selectionSet, edgeType.name, this.fragments)) {
            if (e.name.value === "cursor") edge.push([responseKey(e), quotedText(cursor())]);
            else if (e.name.value === "node") edge.push([responseKey(e), nodeJson(e.selectionSet)]);
            else if (e.name.value === "__typename") edge.push([responseKey(e), jsonString(edgeType.name)]);
            else throw new Unsupported();
          }
          parts.push([key, agg(jsonObject(edge))]);
          break;
        }
        case "nodes":
          parts.push([key, agg(nodeJson(f.selectionSet))]);
          break;
        case "pageInfo": {
          const info = this.objectType(sub!);
          const out: [string, string][] = [];
          for (const i of fieldsOf(f.selectionSet, info.name, this.fragments)) {
            const name = i.name.value;
            let v: string;
            if (name === "hasNextPage") v = `(count(*) > ${size()})::text`;
            else if (name === "hasPreviousPage") v = page.cursor === null ? `'false'` : `'true'`;
            else if (name === "startCursor")
              v = quotedText(`max(${cursor()}) FILTER (WHERE ${p}.rn_ = 1 AND ${p}.rn_ <= ${size()})`);
            else if (name === "endCursor") {
              countUsed = true;
              v = quotedText(`max(${cursor()}) FILTER (WHERE ${p}.rn_ = LEAST(${p}.cnt_, ${size()}))`);
            } else if (name === "__typename") v = jsonString(info.name);
            else throw new Unsupported();
            out.push([responseKey(i), v]);
          }
          parts.push([key, jsonObject(out)]);
          break;
        }
        case "totalCount": {
          const x = `x${n}`;
          const conds: string[] = [];
          if (spec.parent) conds.push(spec.parent(x, parent!));
          const s = spec.scope?.(this.access, x, this.params);
          if (s) conds.push(s);
          const w = conds.length ? ` WHERE ${conds.join(" AND ")}` : "";
          parts.push([key, `(SELECT count(*) FROM ${spec.table} ${x}${w})::text`]);
          break;
        }
        default:
          throw new Unsupported();
      }
    }
    const cursorColumn = cursorUsed
      ? `, ${base64url(`'[' || concat_ws(',', ${spec.keys.map((k) => `to_json(${c}.${k.column})::text`).join(", ")}) || ']'`)} AS cur_`
      : "";
    const rows =
      `SELECT ${c}.*${numbered ? `, row_number() OVER (ORDER BY ${ks.orderBy}) AS rn_` : ""}` +
      `${countUsed ? ", count(*) OVER () AS cnt_" : ""}${cursorColumn} ` +
      `FROM (SELECT * FROM ${spec.table} ${c}${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ` +
      `ORDER BY ${ks.orderBy} LIMIT ${limit}) ${c}`;
    // GROUP BY (): one row, also when no aggregate is selected (totalCount alone) or there are no rows.
    return `(SELECT ${jsonObject(parts)} FROM (${rows}) ${p} GROUP BY ())`;
  }

  /** first and after only; any other argument (last, before, filters, orderings) means the usual path. */
  private page(def: GraphQLField<unknown, unknown>, node: FieldNode): PageRequest {
    let args: Record<string, unknown>;
    try {
      args = getArgumentValues(def, node, this.variables);
    } catch {
      throw new NotThisTime();
    }
    for (const [k, v] of Object.entries(args)) {
      if (v == null) continue;
      if (k !== "first" && k !== "after") throw new NotThisTime();
    }
    try {
      return pageRequest({
        first: args.first as number | undefined,
        after: args.after as string | undefined,
      });
    } catch {
      throw new NotThisTime();
    }
  }
}

/**
 * JSON is written as text, by concatenation: about twice as fast in PostgreSQL as json_build_object, which
 * looks up every argument's type on every call, and compact as JSON.stringify writes it. Every value
 * expression is text and never null (null is written 'null').
 */
function jsonObject(pairs: readonly (readonly [key: string, json: string])[]): string {
  if (pairs.length === 0) return `'{}'`;
  const pieces = pairs.flatMap(([k, v], i) => [literal(`${i === 0 ? "{" : ","}${JSON.stringify(k)}:`), v]);
  return `(${pieces.join(" || ")} || '}')`;
}

const jsonString = (s: string) => literal(JSON.stringify(s));

/** Text that never needs JSON escaping (base64url, ISO timestamps) as a JSON string; null as null. */
const quotedText = (sql: string) => `COALESCE('"' || ${sql} || '"', 'null')`;

/** A leaf as GraphQL serialises it: numbers and booleans as their text, enums by name, the rest via to_json. */
function leafJson(
  leaf: GraphQLScalarType | GraphQLEnumType,
  sql: string,
  text?: { plain?: true; json?: true },
): string {
  if (leaf instanceof GraphQLEnumType) {
    const whens = leaf
      .getValues()
      .map((v) => `WHEN ${literal(String(v.value))} THEN ${jsonString(v.name)}`)
      .join(" ");
    return `CASE ${sql} ${whens} ELSE 'null' END`;
  }
  if (text?.plain) return quotedText(sql);
  if (text?.json || leaf === GraphQLInt || leaf === GraphQLBoolean) return `COALESCE((${sql})::text, 'null')`;
  return `COALESCE(to_json(${sql})::text, 'null')`;
}
