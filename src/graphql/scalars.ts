import { GraphQLJSON, GraphQLJSONObject } from "graphql-scalars";

// One place for the JSON scalars so every module names them the same.
export const JSONScalar = GraphQLJSON;
export const JSONObjectScalar = GraphQLJSONObject;
