import { AccountingChainEntity } from "../accounting/accounting-chain.entity.js";
import { AccountingEventEntity } from "../accounting/accounting-event.entity.js";
import { AccountingSealEntity } from "../accounting/accounting-seal.entity.js";
import { CheckpointEntity } from "../accounting/checkpoint.entity.js";
import { FailureTallyEntity } from "../accounting/failure-tally.entity.js";
import { SealCursorEntity } from "../accounting/seal-cursor.entity.js";
import { AccountingSigningKeyEntity } from "../accounting/signing-key.entity.js";
import { UsageQuotaEntity } from "../accounting/usage-quota.entity.js";
import { UsageServiceEntity } from "../accounting/usage-service.entity.js";
import { UsageStorageEntity } from "../accounting/usage-storage.entity.js";
import { LoginThrottleEntity } from "../authn/accounts/login-throttle.entity.js";
import { TokenCutoffEntity } from "../authn/tokens/token-cutoff.entity.js";
import { UserEntity } from "../authn/accounts/user.entity.js";
import { OidcClientEntity } from "../authn/clients/oidc-client.entity.js";
import { SigningKeyEntity } from "../authn/keys/signing-key.entity.js";
import { StableSecretEntity } from "../authn/keys/stable-secret.entity.js";
import { OidcPayloadEntity } from "../authn/oidc/oidc-payload.entity.js";
import { CasbinRuleEntity } from "../authz/casbin-rule.entity.js";
import { ServiceTypeEntity } from "../catalog/service-type.entity.js";
import { DeploymentEntity } from "../deployments/deployment.entity.js";
import { ServiceEntity } from "../deployments/service.entity.js";
import { OperatorEntity } from "../operators/operator.entity.js";
import { NetboxConnectionEntity } from "../netbox/netbox-connection.entity.js";
import { NetboxObjectEntity } from "../netbox/netbox-object.entity.js";
import { NetboxSyncRunEntity } from "../netbox/netbox-sync-run.entity.js";
import { NetboxTenantMappingEntity } from "../netbox/netbox-tenant-mapping.entity.js";
import { CoreServiceEntity } from "../providers/core-service.entity.js";
import { ProviderEntity } from "../providers/provider.entity.js";
import { ResourceProviderEntity } from "../providers/resource-provider.entity.js";
import { ObservedResourceEntity } from "../resources/observed-resource.entity.js";
import { RunLogChunkEntity } from "../runs/run-log-chunk.entity.js";
import { RunEntity } from "../runs/run.entity.js";

// The one list of mapped tables; migrations are checked against exactly these.
export const entities = [
  ProviderEntity,
  ResourceProviderEntity,
  CoreServiceEntity,
  OperatorEntity,
  ServiceTypeEntity,
  DeploymentEntity,
  ServiceEntity,
  AccountingEventEntity,
  AccountingSealEntity,
  AccountingChainEntity,
  SealCursorEntity,
  CheckpointEntity,
  AccountingSigningKeyEntity,
  UsageQuotaEntity,
  UsageServiceEntity,
  UsageStorageEntity,
  FailureTallyEntity,
  RunEntity,
  RunLogChunkEntity,
  ObservedResourceEntity,
  OidcPayloadEntity,
  SigningKeyEntity,
  StableSecretEntity,
  UserEntity,
  LoginThrottleEntity,
  TokenCutoffEntity,
  OidcClientEntity,
  CasbinRuleEntity,
  NetboxConnectionEntity,
  NetboxObjectEntity,
  NetboxSyncRunEntity,
  NetboxTenantMappingEntity,
];
