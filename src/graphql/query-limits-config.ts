import { z } from "zod";
import type { QueryLimits } from "./query-limits.js";

// The query limits' settings; merged into the main schema by src/config.ts so a bad value names its variable.
export const queryLimitsEnv = {
  GRAPHQL_MAX_DOCUMENT_BYTES: z.coerce.number().int().min(1024).max(1_000_000).default(65_536),
  GRAPHQL_MAX_TOKENS: z.coerce.number().int().min(100).max(1_000_000).default(5_000),
  GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(0).max(10_000).default(30),
  GRAPHQL_MAX_DIRECTIVES: z.coerce.number().int().min(0).max(10_000).default(50),
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(2).max(64).default(12),
  GRAPHQL_MAX_NODES: z.coerce.number().int().min(100).max(10_000_000).default(100_000),
  GRAPHQL_MAX_COST: z.coerce.number().int().min(1_000).max(1_000_000_000).default(500_000),
};

type Parsed = z.infer<z.ZodObject<typeof queryLimitsEnv>>;

export const toQueryLimits = (e: Parsed): QueryLimits => ({
  documentBytes: e.GRAPHQL_MAX_DOCUMENT_BYTES,
  tokens: e.GRAPHQL_MAX_TOKENS,
  aliases: e.GRAPHQL_MAX_ALIASES,
  directives: e.GRAPHQL_MAX_DIRECTIVES,
  depth: e.GRAPHQL_MAX_DEPTH,
  nodes: e.GRAPHQL_MAX_NODES,
  cost: e.GRAPHQL_MAX_COST,
});
