import { Field, ID, InputType } from "type-graphql";

@InputType({ description: "A role for a subject in one domain." })
export class RoleGrantInput {
  @Field(() => String, { description: "user:<id> or client:<id>." }) subject: string;
  @Field(() => String, { description: "A role name, e.g. operator-member (see roles)." }) role: string;
  @Field(() => ID, { nullable: true, description: "The operator; leave out for a provider-wide grant." })
  operatorId?: string | null;
}

@InputType()
export class RoleAssignmentFilter {
  @Field(() => String, { nullable: true, description: "Only this subject's roles." }) subject?: string;
  @Field(() => ID, { nullable: true, description: "Only grants in this operator's domain." })
  operatorId?: string;
  @Field(() => Boolean, { nullable: true, description: "Only provider-wide grants." }) providerWide?: boolean;
}
