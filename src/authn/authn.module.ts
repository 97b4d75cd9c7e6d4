import { defineModule } from "../feature-module.js";
import { authnGrants } from "./authn.grants.js";
import { authnEntities } from "./authn.entities.js";
import { UserResolver } from "./accounts/user.resolver.js";
import { UserService } from "./accounts/user.service.js";
import { DEFAULT_LOGIN_LIMITS } from "./authn-config.js";
import { ClientResolver } from "./clients/client.resolver.js";
import { ClientService } from "./clients/client.service.js";
import type { SecretBox } from "../common/secret-box.js";
import { MeResolver, MembershipResolver } from "./me.resolver.js";

export const authnModule = defineModule({
  name: "authn",
  grants: authnGrants,
  entities: authnEntities,
  resolvers: [MeResolver, MembershipResolver, UserResolver, ClientResolver],
  events: {
    confirmTotpEnrolment: ["user.update"],
    disableTotp: ["user.update"],
    createUser: ["user.create", "role-assignment.grant"],
    updateUser: ["user.update"],
    setUserPassword: ["user.update"],
    disableUser: ["user.disable"],
    enableUser: ["user.enable"],
    deleteUser: ["user.delete"],
    resetUserTotp: ["user.update"],
    revokeSession: ["session.revoke"],
    revokeUserSessions: ["session.revoke"],
    createServiceAccount: ["client.create", "role-assignment.grant"],
    createPublicClient: ["client.create"],
    updatePublicClient: ["client.update"],
    rotateClientSecret: ["client.update"],
    disableClient: ["client.disable"],
    enableClient: ["client.enable"],
    deleteClient: ["client.delete"],
  },
  eventless: {
    beginTotpEnrolment: "nothing takes effect until confirmTotpEnrolment, which records the user's update",
  },
  services: ({ ds, options, use, catalogue }) => ({
    users: new UserService(
      ds,
      options.secretBox ?? null,
      options.loginLimits ?? DEFAULT_LOGIN_LIMITS,
      use("failures"),
    ),
    clients: new ClientService(ds, catalogue),
  }),
});

declare module "../api/context.js" {
  interface Services {
    users: UserService;
    clients: ClientService;
  }
  interface ServiceOptions {
    /** Where TOTP secrets are sealed (none: TOTP unavailable). */
    secretBox?: SecretBox;
    /** The sign-in limits (login throttle). */
    loginLimits?: typeof DEFAULT_LOGIN_LIMITS;
  }
}
