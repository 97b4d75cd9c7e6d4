import { Field, Int, ObjectType, createUnionType, registerEnumType } from "type-graphql";
import { Run, RunStateValue } from "./run.types.js";

export enum RunLogStreamValue {
  STDOUT = "stdout",
  STDERR = "stderr",
  META = "meta",
}
registerEnumType(RunLogStreamValue, {
  name: "RunLogStream",
  valuesConfig: {
    STDOUT: { description: "nixops4's standard output." },
    STDERR: { description: "nixops4's standard error (its progress lines)." },
    META: { description: "A line of fedicentral's own, such as the truncation marker." },
  },
});

@ObjectType({ description: "Stored bytes of a run's output, from offset up to nextOffset." })
export class RunLogChunk {
  @Field(() => Int, { description: "Where the bytes start in the run's stored log." }) offset: number;
  @Field(() => Int, { description: "Pass as fromOffset when subscribing again, to resume here." })
  nextOffset: number;
  @Field(() => RunLogStreamValue) stream: RunLogStreamValue;
  // base64 and text are field resolvers (run-events.resolver.ts): only what the client asks for is encoded.
}

@ObjectType({
  description: "The run's state; the first event of every subscription is its state at that moment.",
})
export class RunStateChange {
  @Field(() => RunStateValue) state: RunStateValue;
  @Field(() => Run, { description: "The run as it was read with this state." }) run: Run;
}

export const RunEventUnion = createUnionType({
  name: "RunEvent",
  description: "What happens to a run: its log grows or its state changes.",
  types: () => [RunLogChunk, RunStateChange] as const,
  resolveType: (value) => ("base64" in value ? "RunLogChunk" : "RunStateChange"),
});
