import { defineModule } from "../feature-module.js";
import { authzGrants } from "./authz.grants.js";
import { authzEntities } from "./authz.entities.js";
import { Authz } from "./authz.js";
import { DenialRecorder } from "./denied.js";
import { AccessExplanationResolver, PolicyResolver } from "./policy.resolver.js";
import { PolicyService } from "./policy.service.js";

export const authzModule = defineModule({
  name: "authz",
  grants: authzGrants,
  entities: authzEntities,
  resolvers: [PolicyResolver, AccessExplanationResolver],
  events: { grantRole: ["role-assignment.grant"], revokeRole: ["role-assignment.revoke"] },
  services: ({ ds, log, options, catalogue }) => {
    const authz = new Authz(ds, {
      enforcerCacheSize: options.enforcerCacheSize ?? 10_000,
      readOf: catalogue.readOf,
    });
    return {
      authz,
      denials: new DenialRecorder(ds, log),
      policy: new PolicyService(ds, authz, catalogue),
    };
  },
});

declare module "../api/context.js" {
  interface Services {
    authz: Authz;
    denials: DenialRecorder;
    policy: PolicyService;
  }
  interface ServiceOptions {
    /** Enforcers (one per domain) kept per process. */
    enforcerCacheSize?: number;
  }
}
