import { Field, InputType } from "type-graphql";
import { JSONObjectScalar } from "../api/scalars.js";

@InputType()
export class CreateProviderInput {
  @Field(() => String) name: string;
  @Field(() => String) slug: string;
  @Field(() => String) contactEmail: string;
}

@InputType()
export class SetProviderSchemasInput {
  @Field(() => JSONObjectScalar, { nullable: true }) providerInfoSchema?: Record<string, unknown>;
  @Field(() => JSONObjectScalar, { nullable: true }) operatorInfoSchema?: Record<string, unknown>;
}
