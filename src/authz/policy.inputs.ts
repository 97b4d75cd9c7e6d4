import { Field, ID, InputType } from "type-graphql";

@InputType({
  description: "A role for a subject in one domain: an operator, a provider, or (neither) the installation.",
})
export class RoleGrantInput {
  @Field(() => String, { description: "user:<id> or client:<id>." }) subject: string;
  @Field(() => String, { description: "A role name, e.g. operator-member (see roles)." }) role: string;
  @Field(() => ID, { nullable: true, description: "The operator, for a role held per operator." })
  operatorId?: string | null;
  @Field(() => ID, { nullable: true, description: "The provider, for a role held per provider." })
  providerId?: string | null;
}

@InputType()
export class RoleAssignmentFilter {
  @Field(() => String, { nullable: true, description: "Only this subject's roles." }) subject?: string;
  @Field(() => ID, { nullable: true, description: "Only grants in this operator's domain." })
  operatorId?: string;
  @Field(() => ID, { nullable: true, description: "Only grants in this provider's own domain." })
  providerId?: string;
  @Field(() => Boolean, { nullable: true, description: "Only installation-wide grants." })
  installation?: boolean;
}
