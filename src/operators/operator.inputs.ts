import { Field, ID, InputType, Int } from "type-graphql";
import { JSONObjectScalar } from "../api/scalars.js";

@InputType()
export class QuotaInput {
  @Field(() => Int) storageGib: number;
  @Field(() => Int) vcpus: number;
  @Field(() => Int) memoryGib: number;
}

@InputType()
export class CreateOperatorInput {
  @Field(() => ID, { description: "Global id of the provider." }) providerId: string;
  @Field(() => String) name: string;
  @Field(() => String) slug: string;
  @Field(() => String) contactEmail: string;
  @Field(() => String, { description: "IDN allowed; stored in ASCII form." }) dnsZone: string;
  @Field(() => QuotaInput, { nullable: true }) quota?: QuotaInput;
  @Field(() => JSONObjectScalar, { nullable: true }) bespokeInfo?: Record<string, unknown>;
}

@InputType()
export class UpdateOperatorInput {
  @Field(() => String, { nullable: true }) name?: string;
  @Field(() => String, { nullable: true }) contactEmail?: string;
  @Field(() => String, { nullable: true }) dnsZone?: string;
}
