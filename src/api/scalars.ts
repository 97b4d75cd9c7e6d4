import { GraphQLScalarType, Kind } from "graphql";
import { GraphQLJSON, GraphQLJSONObject } from "graphql-scalars";

// One place for the JSON scalars so every module names them the same.
export const JSONScalar = GraphQLJSON;
export const JSONObjectScalar = GraphQLJSONObject;

/**
 * Timestamps as ISO-8601 text. Reads select them already formatted (src/db/sql.ts isoTime), so serialising
 * is a pass-through; Date values still work.
 */
export const DateTimeScalar = new GraphQLScalarType<string, string>({
  name: "DateTimeISO",
  description: "A date-time string at UTC, such as 2007-12-03T10:15:30.000Z, compliant with RFC 3339.",
  serialize(value) {
    if (typeof value === "string") return value;
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
    throw new TypeError("DateTimeISO cannot represent a non-date value");
  },
  parseValue(value) {
    if (typeof value !== "string" || Number.isNaN(Date.parse(value)))
      throw new TypeError("DateTimeISO must be an RFC 3339 string");
    return new Date(value).toISOString();
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING || Number.isNaN(Date.parse(ast.value)))
      throw new TypeError("DateTimeISO must be an RFC 3339 string");
    return new Date(ast.value).toISOString();
  },
});
