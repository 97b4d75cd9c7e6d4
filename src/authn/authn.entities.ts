import { LoginThrottleEntity } from "./accounts/login-throttle.entity.js";
import { UserEntity } from "./accounts/user.entity.js";
import { OidcClientEntity } from "./clients/oidc-client.entity.js";
import { SigningKeyEntity } from "./keys/signing-key.entity.js";
import { StableSecretEntity } from "./keys/stable-secret.entity.js";
import { OidcPayloadEntity } from "./oidc/oidc-payload.entity.js";
import { TokenCutoffEntity } from "./tokens/token-cutoff.entity.js";

/** The tables authn owns; src/entities.ts lists every feature's for the DataSource. */
export const authnEntities = [
  OidcPayloadEntity,
  SigningKeyEntity,
  StableSecretEntity,
  UserEntity,
  LoginThrottleEntity,
  TokenCutoffEntity,
  OidcClientEntity,
];
