import { Field, InputType } from "type-graphql";
import { JSONObjectScalar } from "../api/scalars.js";
import { ComponentType, CoreServiceKind } from "./provider.types.js";

@InputType({ description: "The implementation of a component type that a provider's deployments use." })
export class ResourceProviderInput {
  @Field(() => ComponentType) componentType: ComponentType;
  @Field(() => String, { description: "A short name, e.g. proxmox; one row per component type and name." })
  implementation: string;
  @Field(() => JSONObjectScalar, {
    nullable: true,
    description: "Non-secret settings handed to NixOps4 (e.g. the cluster); replaced as a whole.",
  })
  settings?: Record<string, unknown>;
}

@InputType({ description: "A provider system (DNS, mail, secrets) that deployments register with." })
export class CoreServiceInput {
  @Field(() => CoreServiceKind) kind: CoreServiceKind;
  @Field(() => String, { description: "Unique per kind at the provider." }) name: string;
  @Field(() => String, { description: "A URL; for mail smtp://host[:port]." }) endpoint: string;
  @Field(() => JSONObjectScalar, { nullable: true, description: "Non-secret settings; replaced as a whole." })
  settings?: Record<string, unknown>;
}
