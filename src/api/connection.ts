import { type ClassType, Field, Int, ObjectType, ArgsType, InputType, registerEnumType } from "type-graphql";
import { badInput } from "../common/errors.js";

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

export enum SortDirection {
  ASC = "ASC",
  DESC = "DESC",
}
registerEnumType(SortDirection, { name: "SortDirection" });

@ObjectType({ simpleResolvers: true })
export class PageInfo {
  @Field(() => Boolean) hasNextPage: boolean;
  @Field(() => Boolean) hasPreviousPage: boolean;
  @Field(() => String, { nullable: true }) startCursor: string | null;
  @Field(() => String, { nullable: true }) endCursor: string | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: `Items after the cursor, at most ${MAX_PAGE_SIZE}.` })
  first?: number;
  @Field(() => String, { nullable: true }) after?: string;
  @Field(() => Int, { nullable: true, description: `Items before the cursor, at most ${MAX_PAGE_SIZE}.` })
  last?: number;
  @Field(() => String, { nullable: true }) before?: string;
}

@InputType()
export class PageInput extends PageArgs {}

export type Edge<T> = { cursor: string; node: T };
export type Connection<T> = {
  edges: Edge<T>[];
  nodes: T[];
  pageInfo: PageInfo;
  /** Runs the count query: only when totalCount is selected. */
  countAll: () => Promise<number>;
};

/** Builds the Relay connection and edge object types for a node type. */
export function ConnectionType<T extends object>(nodeType: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`, { simpleResolvers: true })
  class EdgeType {
    @Field(() => String) cursor: string;
    @Field(() => nodeType) node: T;
  }
  @ObjectType(`${name}Connection`, { simpleResolvers: true })
  class ConnectionClass {
    @Field(() => [EdgeType]) edges: EdgeType[];
    @Field(() => [nodeType], { description: "The nodes of edges, for clients that need no cursors." })
    nodes: T[];
    @Field(() => PageInfo) pageInfo: PageInfo;
    countAll: () => Promise<number>;
    // A resolver of its own: the compiled execution reads other fields as plain properties, never calls them.
    @Field(() => Int, { description: "All items matching the filter, ignoring paging. Costs one query." })
    totalCount(): Promise<number> {
      return this.countAll();
    }
  }
  return ConnectionClass;
}

/** The validated shape of a page request: which way to read, how many, and from where. */
export type PageRequest = { forward: boolean; limit: number; cursor: unknown[] | null };

export function pageRequest(args: PageArgs): PageRequest {
  const { first, last, after, before } = args;
  if (first != null && last != null) throw badInput("first", "pass first or last, not both");
  const forward = last == null;
  const n = forward ? (first ?? DEFAULT_PAGE_SIZE) : last;
  const field = forward ? "first" : "last";
  if (!Number.isInteger(n) || n < 0 || n > MAX_PAGE_SIZE) {
    throw badInput(field, `${field} must be between 0 and ${MAX_PAGE_SIZE}`);
  }
  const raw = forward ? after : before;
  return { forward, limit: n, cursor: raw ? decodeCursor(raw, forward ? "after" : "before") : null };
}

export function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString("base64url");
}

// Our cursors are a few dozen characters; anything much longer is not one of ours.
const MAX_CURSOR_LENGTH = 2048;

/** The values of a cursor; their kinds are checked against the list's sort keys (src/db/keyset.ts). */
export function decodeCursor(cursor: string, field: string): unknown[] {
  if (cursor.length > MAX_CURSOR_LENGTH) throw badInput(field, `${field} is not a valid cursor`);
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(v) && v.length > 0) return v;
  } catch {
    // fall through to the error below
  }
  throw badInput(field, `${field} is not a valid cursor`);
}

/**
 * Turns rows fetched with limit + 1 into a connection. Rows come in read order;
 * backward pages are flipped back into display order.
 */
export function toConnection<T>(
  rows: T[],
  page: PageRequest,
  cursorOf: (row: T) => unknown[],
  countAll: () => Promise<number>,
): Connection<T> {
  const more = rows.length > page.limit;
  const taken = more ? rows.slice(0, page.limit) : rows;
  if (!page.forward) taken.reverse();
  const edges = taken.map((node) => ({ cursor: encodeCursor(cursorOf(node)), node }));
  return {
    edges,
    nodes: taken,
    pageInfo: {
      hasNextPage: page.forward ? more : page.cursor !== null,
      hasPreviousPage: page.forward ? page.cursor !== null : more,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    countAll,
  };
}
