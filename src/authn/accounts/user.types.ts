import { Field, InputType, ObjectType } from "type-graphql";
import { toGlobalId } from "../../common/global-id.js";
import { ConnectionType } from "../../api/connection.js";

@ObjectType({ description: "A person who signs in.", simpleResolvers: true })
export class User {
  uuid: string;
  @Field(() => String, { description: "Global id (User:<uuid>)." }) id: string;
  @Field(() => String, { description: "Lower-cased; unique regardless of case." }) email: string;
  @Field(() => String) displayName: string;
  @Field(() => Boolean) disabled: boolean;
  @Field(() => Boolean, { description: "Whether sign-in asks for a TOTP code." }) totpEnabled: boolean;
  @Field(() => Date, { nullable: true }) lastLoginAt: Date | null;
  @Field(() => Date) createdAt: Date;
  @Field(() => Date) updatedAt: Date;
}

export const UserConnection = ConnectionType(User, "User");

@InputType()
export class UserFilter {
  @Field(() => String, { nullable: true, description: "Case-insensitive substring of the email." })
  emailContains?: string;
  @Field(() => Boolean, { nullable: true }) disabled?: boolean;
}

export const USER_COLUMNS = `t.id, t.email, t.display_name AS "displayName", t.disabled,
  t.totp_enabled_at IS NOT NULL AS "totpEnabled", t.last_login_at AS "lastLoginAt",
  t.created_at AS "createdAt", t.updated_at AS "updatedAt"`;

export function toUser(row: Record<string, unknown>): User {
  const u = row as unknown as User;
  u.uuid = u.id;
  u.id = toGlobalId("User", u.uuid);
  return u;
}
