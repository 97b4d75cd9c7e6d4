import { Field, InputType } from "type-graphql";

@InputType()
export class CreateUserInput {
  @Field(() => String) email: string;
  @Field(() => String) displayName: string;
  @Field(() => String, {
    nullable: true,
    description: "At least 10 characters; none means no password sign-in yet.",
  })
  password?: string;
}

@InputType()
export class UpdateUserInput {
  @Field(() => String, { nullable: true }) email?: string;
  @Field(() => String, { nullable: true }) displayName?: string;
}

@InputType()
export class CreateServiceAccountInput {
  @Field(() => String) name: string;
  @Field(() => String, { description: "A role, e.g. operator-admin or config-reader (see roles)." })
  role: string;
  @Field(() => String, { nullable: true, description: "Global id of the operator it acts for." })
  operatorId?: string;
  @Field(() => String, {
    nullable: true,
    description: "Global id of the provider it acts for; its role is held for that provider.",
  })
  providerId?: string;
}

@InputType()
export class CreatePublicClientInput {
  @Field(() => String) name: string;
  @Field(() => [String], { description: "Exact redirect URIs (https, or http on localhost)." })
  redirectUris: string[];
  @Field(() => [String], { nullable: true }) postLogoutRedirectUris?: string[];
}

@InputType()
export class UpdatePublicClientInput {
  @Field(() => String, { nullable: true }) name?: string;
  @Field(() => [String], { nullable: true }) redirectUris?: string[];
  @Field(() => [String], { nullable: true }) postLogoutRedirectUris?: string[];
}
