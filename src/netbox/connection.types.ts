import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { NetboxKindValue } from "./netbox.types.js";

export enum NetboxTokenFormatValue {
  V1 = "v1",
  V2 = "v2",
}
registerEnumType(NetboxTokenFormatValue, {
  name: "NetboxTokenFormat",
  valuesConfig: {
    V1: { description: "`Token <40 characters>`; deprecated since NetBox 4.6." },
    V2: { description: "`Bearer nbt_<key>.<secret>`, NetBox 4.5+." },
  },
});

@ObjectType({ simpleResolvers: true })
export class NetboxSchedule {
  @Field(() => Boolean) enabled: boolean;
  @Field(() => Int) incrementalIntervalSeconds: number;
  @Field(() => Int) fullIntervalSeconds: number;
}

@ObjectType({
  description: "A provider's NetBox connection. The token is never returned.",
  simpleResolvers: true,
})
export class NetboxConnection {
  providerUuid: string;
  @Field(() => ID, { description: "The provider's global id." }) providerId: string;
  @Field(() => String) url: string;
  @Field(() => NetboxTokenFormatValue) tokenFormat: NetboxTokenFormatValue;
  @Field(() => String, { description: "The token's last four characters." }) tokenHint: string;
  @Field(() => Boolean) tlsVerify: boolean;
  @Field(() => String, { nullable: true, description: "Extra CA certificate(s), PEM." })
  caCertificate: string | null;
  @Field(() => [NetboxKindValue]) kinds: NetboxKindValue[];
  @Field(() => Boolean, {
    description: "Tenants map to the operator with the same slug unless mapped explicitly.",
  })
  matchTenantsBySlug: boolean;
  @Field(() => Boolean, { description: "A webhook secret is set (webhooks are refused without one)." })
  webhookConfigured: boolean;
  @Field(() => String, { description: "Where NetBox's webhooks go, relative to the server's URL." })
  webhookPath: string;
  @Field(() => NetboxSchedule) schedule: NetboxSchedule;
  @Field(() => String, { nullable: true, description: "The last NetBox changelog id the mirror includes." })
  watermark: string | null;
  @Field(() => Date, { nullable: true }) watermarkTime: string | null;
  @Field(() => String, { nullable: true, description: "As seen by the last successful sync." })
  netboxVersion: string | null;
  @Field(() => Date) createdAt: string;
  @Field(() => Date) updatedAt: string;
}

@ObjectType({ simpleResolvers: true })
export class NetboxTenantMapping {
  providerUuid: string;
  operatorUuid: string | null;
  @Field(() => Int) netboxTenantId: number;
}

@ObjectType({ simpleResolvers: true })
export class NetboxKindReadability {
  @Field(() => String, { description: "A mirrored kind, or `object-changes` (the changelog)." }) kind: string;
  @Field(() => Boolean) readable: boolean;
  @Field(() => String, { nullable: true }) error: string | null;
}

@ObjectType({ description: "What testNetboxConnection found.", simpleResolvers: true })
export class NetboxConnectionTest {
  @Field(() => Boolean, { description: "NetBox answered, accepted the token, and every kind is readable." })
  ok: boolean;
  @Field(() => String, { nullable: true }) error: string | null;
  @Field(() => String, { nullable: true, description: "e.g. 4.6.8" }) netboxVersion: string | null;
  @Field(() => String, { nullable: true, description: "major.minor" }) apiVersion: string | null;
  @Field(() => NetboxTokenFormatValue) tokenFormat: NetboxTokenFormatValue;
  @Field(() => [String]) warnings: string[];
  @Field(() => [NetboxKindReadability], { description: "The kinds to mirror and the changelog." })
  kinds: NetboxKindReadability[];
}
