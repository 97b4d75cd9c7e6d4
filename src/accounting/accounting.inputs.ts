import { Field, ID, InputType, Int } from "type-graphql";
import { AccountingOutcome } from "./accounting.types.js";

@InputType({ description: "Every condition given must hold." })
export class AccountingEventFilter {
  @Field(() => ID, { nullable: true, description: "Only events of this operator." }) operator?: string;
  @Field(() => Date, { nullable: true, description: "Events that occurred at or after this time." })
  from?: string;
  @Field(() => Date, { nullable: true, description: "Events that occurred before this time." }) to?: string;
  @Field(() => String, { nullable: true }) action?: string;
  @Field(() => AccountingOutcome, { nullable: true }) outcome?: AccountingOutcome;
  @Field(() => String, { nullable: true, description: "The initiator's id or name." }) initiator?: string;
  @Field(() => String, { nullable: true }) targetKind?: string;
}

@InputType({
  description:
    "A checkpoint noted down outside the database (from chainHeads, signChainHeads or a witness): the chain must still hold it.",
})
export class ChainPinInput {
  @Field(() => Int, { description: "The sequence number the checkpoint signs." }) seq: number;
  @Field(() => String, { description: "Its headHash: the hash of the event at seq, 64 hex digits." })
  headHash: string;
}
