import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  getNamedType,
  isInterfaceType,
  isObjectType,
} from "graphql";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../api/connection.js";
import { FIELD_COSTS, type FieldCost } from "./field-costs.js";

type Variables = Record<string, unknown> | undefined;
type AnyField = GraphQLField<unknown, unknown>;

/** What an operation could make the server do, as its limits (src/graphql/query-limits.ts) count it. */
export type QueryFigures = {
  /** Deepest selection nesting; a root field is level 1. */
  depth: number;
  /** Objects it could return (the node limit): each connection's page times the pages above it. */
  nodes: number;
  /** Its query cost: every field 1 unless FIELD_COSTS says more, times the pages above it. */
  cost: number;
  /** Aliased fields, each fragment counted at every spread. */
  aliases: number;
  /** Directive uses, each fragment counted at every spread. */
  directives: number;
  /** `__schema` selections, each fragment counted at every spread. */
  schemaReads: number;
};

// Figures grow exponentially with nested spreads; saturating keeps them finite (0 x Infinity is NaN).
const CEILING = 1e15;
const sat = (n: number) => (n > CEILING ? CEILING : n);

class Figures implements QueryFigures {
  depth = 0;
  nodes = 0;
  cost = 0;
  aliases = 0;
  directives = 0;
  schemaReads = 0;

  /** Adds a selection set met at this level (a fragment), whose figures are per instance of the parent. */
  merge(o: Figures): void {
    if (o.depth > this.depth) this.depth = o.depth;
    this.nodes = sat(this.nodes + o.nodes);
    this.cost = sat(this.cost + o.cost);
    this.aliases = sat(this.aliases + o.aliases);
    this.directives = sat(this.directives + o.directives);
    this.schemaReads = sat(this.schemaReads + o.schemaReads);
  }
}

const costTables = new WeakMap<GraphQLSchema, Map<AnyField, FieldCost>>();

/** FIELD_COSTS resolved to the schema's fields; throws on a name the schema lacks. */
export function fieldCostsOf(schema: GraphQLSchema): Map<AnyField, FieldCost> {
  let table = costTables.get(schema);
  if (table) return table;
  table = new Map();
  for (const [key, cost] of Object.entries(FIELD_COSTS)) {
    const [typeName = "", fieldName = ""] = key.split(".");
    const field = fieldOf(schema, schema.getType(typeName), fieldName);
    if (!field) throw new Error(`FIELD_COSTS names ${key}, which the schema lacks`);
    table.set(field, cost);
  }
  costTables.set(schema, table);
  return table;
}

function fieldOf(
  schema: GraphQLSchema,
  type: GraphQLNamedType | null | undefined,
  name: string,
): AnyField | undefined {
  if (name === "__typename") return TypeNameMetaFieldDef;
  if (type && type === schema.getQueryType()) {
    if (name === "__schema") return SchemaMetaFieldDef;
    if (name === "__type") return TypeMetaFieldDef;
  }
  return isObjectType(type) || isInterfaceType(type) ? type.getFields()[name] : undefined;
}

/** A connection (first/last) or a node list (ids): its items multiply what is selected below. */
function isListed(field: AnyField): boolean {
  for (const a of field.args) if (a.name === "first" || a.name === "ids") return true;
  return false;
}

function valueOf(node: ValueNode | undefined, variables: Variables): unknown {
  if (!node) return undefined;
  if (node.kind === Kind.VARIABLE) return variables?.[node.name.value];
  if (node.kind === Kind.INT) return Number(node.value);
  if (node.kind === Kind.LIST) return node.values;
  return undefined;
}

function argumentOf(field: FieldNode, name: string, variables: Variables): unknown {
  if (!field.arguments) return undefined;
  for (const a of field.arguments) if (a.name.value === name) return valueOf(a.value, variables);
  return undefined;
}

/**
 * How many items a listed field can return at most: a connection's first or last (its default when
 * neither is given, never more than the largest page), the length of nodes(ids:).
 */
function fanOut(field: FieldNode, variables: Variables): number {
  const ids = argumentOf(field, "ids", variables);
  if (ids !== undefined) return Array.isArray(ids) ? ids.length : 1;
  let page = argumentOf(field, "first", variables);
  if (typeof page !== "number") page = argumentOf(field, "last", variables);
  return Math.min(Math.max(typeof page === "number" ? page : DEFAULT_PAGE_SIZE, 0), MAX_PAGE_SIZE);
}

const fragmentTables = new WeakMap<DocumentNode, Map<string, FragmentDefinitionNode>>();

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  let table = fragmentTables.get(document);
  if (!table) {
    table = new Map();
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) table.set(d.name.value, d);
    fragmentTables.set(document, table);
  }
  return table;
}

/**
 * The figures of every operation in the document, in one pass over it: each fragment is measured once
 * (per request: page sizes may come from variables) and its figures reused at every spread, so a chain of
 * fragments each spreading the next many times costs its size, not its expansion. A fragment spread
 * inside itself adds nothing (validation refuses cycles later).
 */
export function measureOperations(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Variables,
): { operation: OperationDefinitionNode; figures: QueryFigures }[] {
  const costs = fieldCostsOf(schema);
  const fragments = fragmentsOf(document);
  const measured = new Map<string, Figures | null>();

  const fragment = (name: string): Figures | null => {
    if (measured.has(name)) return measured.get(name) ?? null;
    const f = fragments.get(name);
    if (!f) return null;
    measured.set(name, null);
    const figures = walk(f.selectionSet, schema.getType(f.typeCondition.name.value));
    measured.set(name, figures);
    return figures;
  };

  const ownCost = (def: AnyField | undefined, node: FieldNode): number => {
    const cost = def ? costs.get(def) : undefined;
    if (cost === undefined) return 1;
    return typeof cost === "number" ? cost : cost((name) => argumentOf(node, name, variables));
  };

  /** Figures of a selection set for one instance of its parent. */
  const walk = (set: SelectionSetNode, type: GraphQLNamedType | null | undefined): Figures => {
    const out = new Figures();
    for (const s of set.selections) {
      if (s.directives) out.directives = sat(out.directives + s.directives.length);
      if (s.kind === Kind.FRAGMENT_SPREAD) {
        const f = fragment(s.name.value);
        if (f) out.merge(f);
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        out.merge(walk(s.selectionSet, s.typeCondition ? schema.getType(s.typeCondition.name.value) : type));
      } else {
        const def = fieldOf(schema, type, s.name.value);
        if (s.alias) out.aliases = sat(out.aliases + 1);
        if (def === SchemaMetaFieldDef) out.schemaReads = sat(out.schemaReads + 1);
        const own = ownCost(def, s);
        if (!s.selectionSet) {
          if (out.depth < 1) out.depth = 1;
          out.cost = sat(out.cost + own);
          continue;
        }
        const below = walk(s.selectionSet, def ? getNamedType(def.type) : undefined);
        const listed = def !== undefined && isListed(def);
        const items = listed ? fanOut(s, variables) : 1;
        if (below.depth + 1 > out.depth) out.depth = below.depth + 1;
        out.nodes = sat(out.nodes + (listed ? items : 0) + sat(items * below.nodes));
        out.cost = sat(out.cost + own + sat(items * below.cost));
        out.aliases = sat(out.aliases + below.aliases);
        out.directives = sat(out.directives + below.directives);
        out.schemaReads = sat(out.schemaReads + below.schemaReads);
      }
    }
    return out;
  };

  const result: { operation: OperationDefinitionNode; figures: QueryFigures }[] = [];
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    const root =
      d.operation === "query"
        ? schema.getQueryType()
        : d.operation === "mutation"
          ? schema.getMutationType()
          : schema.getSubscriptionType();
    const figures = walk(d.selectionSet, root);
    if (d.directives) figures.directives = sat(figures.directives + d.directives.length);
    result.push({ operation: d, figures });
  }
  return result;
}
