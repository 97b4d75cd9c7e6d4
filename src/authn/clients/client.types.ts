import { Field, InputType, ObjectType, registerEnumType } from "type-graphql";
import { toGlobalId } from "../../common/global-id.js";
import { ConnectionType } from "../../api/connection.js";

export enum ClientKind {
  SERVICE_ACCOUNT = "service_account",
  PUBLIC = "public",
}
registerEnumType(ClientKind, {
  name: "ClientKind",
  valuesConfig: {
    SERVICE_ACCOUNT: { description: "Client credentials, bound to an operator or a provider, with a role." },
    PUBLIC: { description: "A frontend: authorization code with PKCE, exact redirect URIs, no secret." },
  },
});

@ObjectType({ description: "An OAuth client: a service account or a frontend.", simpleResolvers: true })
export class Client {
  uuid: string;
  operatorUuid: string | null;
  providerUuid: string | null;
  @Field(() => String, { description: "Global id (Client:<uuid>)." }) id: string;
  @Field(() => String, { description: "The OAuth client_id." }) clientId: string;
  @Field(() => ClientKind) kind: ClientKind;
  @Field(() => String) name: string;
  @Field(() => String, { nullable: true, description: "Service accounts: the role held where bound." })
  role: string | null;
  @Field(() => [String]) redirectUris: string[];
  @Field(() => [String]) postLogoutRedirectUris: string[];
  @Field(() => Boolean) disabled: boolean;
  @Field(() => Date, { nullable: true }) secretRotatedAt: Date | null;
  @Field(() => Date, { nullable: true, description: "Until when the secret before the last rotation works." })
  previousSecretExpiresAt: Date | null;
  @Field(() => Date) createdAt: Date;
  @Field(() => Date) updatedAt: Date;
}

export const ClientConnection = ConnectionType(Client, "Client");

@ObjectType({ description: "A client and its secret, shown this once.", simpleResolvers: true })
export class ClientWithSecret {
  @Field(() => Client) client: Client;
  @Field(() => String) clientSecret: string;
}

@InputType()
export class ClientFilter {
  @Field(() => ClientKind, { nullable: true }) kind?: ClientKind;
  @Field(() => String, { nullable: true, description: "Global id of the operator." }) operatorId?: string;
  @Field(() => String, { nullable: true, description: "Global id of the provider." }) providerId?: string;
}

export const CLIENT_COLUMNS = `t.id, t.client_id AS "clientId", t.kind, t.name, t.role, t.operator_id AS "operatorUuid",
  t.provider_id AS "providerUuid", t.redirect_uris AS "redirectUris", t.post_logout_redirect_uris AS "postLogoutRedirectUris",
  t.disabled, t.secret_rotated_at AS "secretRotatedAt",
  CASE WHEN t.previous_secret_expires_at > now() THEN t.previous_secret_expires_at END AS "previousSecretExpiresAt",
  t.created_at AS "createdAt", t.updated_at AS "updatedAt"`;

export function toClient(row: Record<string, unknown>): Client {
  const c = row as unknown as Client;
  c.uuid = c.id;
  c.id = toGlobalId("Client", c.uuid);
  return c;
}
