import { Field, ObjectType, registerEnumType } from "type-graphql";
import { DomainKindValue } from "../authz/policy.types.js";
import { Operator } from "../operators/operator.types.js";
import { Provider } from "../providers/provider.types.js";

export enum PrincipalKind {
  USER = "user",
  SERVICE_ACCOUNT = "client",
}
registerEnumType(PrincipalKind, { name: "PrincipalKind" });

@ObjectType({
  description: "A role the principal holds: for one operator, one provider, or the installation.",
  simpleResolvers: true,
})
export class Membership {
  operatorUuid: string | null;
  providerUuid: string | null;
  @Field(() => String) role: string;
  @Field(() => DomainKindValue, { description: "Where the role applies." }) domainKind: DomainKindValue;
  @Field(() => Operator, { nullable: true }) operator?: Operator | null;
  @Field(() => Provider, { nullable: true }) provider?: Provider | null;
}

@ObjectType({ description: "Who makes this request.", simpleResolvers: true })
export class Me {
  @Field(() => PrincipalKind) kind: PrincipalKind;
  @Field(() => String, { description: "Global id: User:<uuid> or Client:<uuid>." }) id: string;
  @Field(() => String) name: string;
  @Field(() => String, { nullable: true, description: "People only." }) email: string | null;
  @Field(() => Boolean, { nullable: true, description: "People only: whether sign-in asks for a TOTP code." })
  totpEnabled: boolean | null;
  @Field(() => String, { description: "The OAuth client the access token was issued to." }) clientId: string;
  @Field(() => [String], { description: "Scopes of the access token." }) scopes: string[];
  @Field(() => [Membership], { description: "Roles held, per operator, per provider or installation-wide." })
  memberships: Membership[];
}

@ObjectType({ description: "A signed-in browser session at the provider.", simpleResolvers: true })
export class UserSession {
  @Field(() => String) id: string;
  @Field(() => Date) signedInAt: Date;
  @Field(() => Date, { nullable: true }) expiresAt: Date | null;
  @Field(() => [String], { description: "client_ids of the applications this session signed in to." })
  clientIds: string[];
}

@ObjectType({ description: "A TOTP secret to put in an authenticator app.", simpleResolvers: true })
export class TotpEnrolment {
  @Field(() => String, { description: "Base32 secret, for typing in." }) secret: string;
  @Field(() => String, { description: "otpauth:// URI, for a QR code." }) uri: string;
}
