import type { DataSource } from "typeorm";
import { AccountingService } from "./accounting/accounting.service.js";
import { FailureTallies } from "./accounting/failure-tally.js";
import { UserService } from "./authn/accounts/user.service.js";
import { DEFAULT_LOGIN_LIMITS } from "./authn/authn-config.js";
import { ClientService } from "./authn/clients/client.service.js";
import type { SecretBox } from "./authn/keys/secret-box.js";
import { Authz } from "./authz/authz.js";
import { DenialRecorder } from "./authz/denied.js";
import { PolicyService } from "./authz/policy.service.js";
import { CatalogService } from "./catalog/catalog.service.js";
import { DeploymentConfigService } from "./deployments/deployment-config.service.js";
import { DeploymentService } from "./deployments/deployment.service.js";
import { OperatorService } from "./operators/operator.service.js";
import { ProviderService } from "./providers/provider.service.js";
import { NetboxService } from "./netbox/netbox.service.js";
import { ObservedResourceService } from "./resources/observed-resource.service.js";
import { RunService } from "./runs/run.service.js";
import { createLogger, type Logger } from "./logger.js";

/** The application's services, built once per process at the composition root. */
export function createServices(
  ds: DataSource,
  opts: {
    log?: Logger;
    enforcerCacheSize?: number;
    /** Authentication: where TOTP secrets are sealed (none: TOTP unavailable) and the sign-in limits. */
    secretBox?: SecretBox;
    loginLimits?: typeof DEFAULT_LOGIN_LIMITS;
  } = {},
) {
  const authz = new Authz(ds, { enforcerCacheSize: opts.enforcerCacheSize ?? 10_000 });
  const failures = new FailureTallies(ds);
  return {
    authz,
    failures,
    denials: new DenialRecorder(ds, opts.log ?? createLogger("silent")),
    policy: new PolicyService(ds, authz),
    providers: new ProviderService(ds),
    operators: new OperatorService(ds),
    deployments: new DeploymentService(ds),
    deploymentConfig: new DeploymentConfigService(ds),
    catalog: new CatalogService(ds),
    runs: new RunService(ds),
    observedResources: new ObservedResourceService(ds),
    netbox: new NetboxService(ds),
    accounting: new AccountingService(ds, opts.log),
    users: new UserService(ds, opts.secretBox ?? null, opts.loginLimits ?? DEFAULT_LOGIN_LIMITS, failures),
    clients: new ClientService(ds),
  };
}

export type Services = ReturnType<typeof createServices>;
