import { Field, ID, InterfaceType } from "type-graphql";
import { fromGlobalId } from "../common/global-id.js";

@InterfaceType({
  description: "An object with a global id, fetchable with node(id).",
  // Rows are plain objects, so the type comes from the global id itself.
  resolveType: (value: { id: string }) => fromGlobalId(value.id)?.type,
})
export abstract class Node {
  @Field(() => ID) id: string;
}
