-- Generated from the code by `npm run sql:emit`; do not edit.

-- authn.bearer.dpopProofOnce
INSERT INTO oidc_payload (kind, id, payload, expires_at)
       VALUES ('ApiDpopProof', $1, '{}', now() + make_interval(secs => $2::int))
       ON CONFLICT (kind, id) DO NOTHING RETURNING 1;

-- authn.client.byClientId
SELECT id, client_id AS "clientId", kind, name, role, operator_id AS "operatorId",
  provider_id AS "providerId", secret_digest AS "secretDigest", previous_secret_digest AS "previousSecretDigest",
  previous_secret_expires_at AS "previousSecretExpiresAt", redirect_uris AS "redirectUris",
  post_logout_redirect_uris AS "postLogoutRedirectUris" FROM oidc_client WHERE client_id = $1 AND NOT disabled;

-- authn.client.deleteGrants
DELETE FROM casbin_rule WHERE ptype = 'g' AND v0 = $1;

-- authn.client.notifyChanged
SELECT pg_notify($1, $2);

-- authn.client.providerOfOperator
SELECT provider_id AS "providerId" FROM operator WHERE id = $1;

-- authn.client.rotateSecret
UPDATE oidc_client SET previous_secret_digest = CASE WHEN $3::int > 0 THEN secret_digest END,
           previous_secret_expires_at = CASE WHEN $3::int > 0 THEN now() + make_interval(secs => $3::int) END,
           secret_digest = $2, secret_rotated_at = now(), updated_at = now()
         WHERE id = $1;

-- authn.client.visible
SELECT t.id, t.client_id AS "clientId", t.kind, t.name, t.role, t.operator_id AS "operatorUuid",
  t.provider_id AS "providerUuid", t.redirect_uris AS "redirectUris", t.post_logout_redirect_uris AS "postLogoutRedirectUris",
  t.disabled, t.secret_rotated_at AS "secretRotatedAt",
  CASE WHEN t.previous_secret_expires_at > now() THEN t.previous_secret_expires_at END AS "previousSecretExpiresAt",
  t.created_at AS "createdAt", t.updated_at AS "updatedAt" FROM oidc_client t WHERE t.id = $1{{scope}};

-- authn.clients.count
SELECT count(*)::int AS n FROM oidc_client t {{where}};

-- authn.clients.page
SELECT t.id, t.client_id AS "clientId", t.kind, t.name, t.role, t.operator_id AS "operatorUuid",
  t.provider_id AS "providerUuid", t.redirect_uris AS "redirectUris", t.post_logout_redirect_uris AS "postLogoutRedirectUris",
  t.disabled, t.secret_rotated_at AS "secretRotatedAt",
  CASE WHEN t.previous_secret_expires_at > now() THEN t.previous_secret_expires_at END AS "previousSecretExpiresAt",
  t.created_at AS "createdAt", t.updated_at AS "updatedAt" FROM oidc_client t {{where}}
     ORDER BY {{orderBy}} LIMIT {{limit}};

-- authn.loginThrottle.begin
WITH prev AS (
         SELECT blocked_until FROM login_throttle WHERE key = ANY($1::text[]) ORDER BY key FOR UPDATE
       ), counted AS (
         INSERT INTO login_throttle AS t (key, failures, blocked_until, updated_at)
         SELECT k, 1, NULL, now() FROM unnest($1::text[]) AS k
         ON CONFLICT (key) DO UPDATE SET
           failures = t.failures + 1,
           updated_at = now(),
           blocked_until = CASE
             WHEN t.failures + 1 >= $3::int * (CASE WHEN t.key LIKE 'ip:%' THEN $5::int ELSE 1 END)
               THEN now() + make_interval(secs => $4::int)
             WHEN t.failures + 1 > $2::int * (CASE WHEN t.key LIKE 'ip:%' THEN $5::int ELSE 1 END)
               THEN now() + make_interval(secs => LEAST($4::int, 2 ^ LEAST(
                 t.failures - $2::int * (CASE WHEN t.key LIKE 'ip:%' THEN $5::int ELSE 1 END), 20)))
             ELSE t.blocked_until END
         RETURNING 1
       )
       SELECT COALESCE(bool_or(blocked_until > now()), false) AS blocked, (SELECT count(*) FROM counted) AS n
         FROM prev;

-- authn.loginThrottle.purge
DELETE FROM login_throttle WHERE updated_at < now() - interval '1 day'
         AND (blocked_until IS NULL OR blocked_until < now());

-- authn.loginThrottle.state
SELECT failures, blocked_until AS "blockedUntil" FROM login_throttle WHERE key = $1;

-- authn.loginThrottle.succeeded
WITH account AS (DELETE FROM login_throttle WHERE key = ANY($1::text[]) AND key NOT LIKE 'ip:%')
       UPDATE login_throttle SET failures = GREATEST(failures - 1, 0)
        WHERE key = ANY($1::text[]) AND key LIKE 'ip:%';

-- authn.me.roles
SELECT v1 AS role, v2 AS domain FROM casbin_rule WHERE ptype = 'g' AND v0 = $1 ORDER BY v2, v1;

-- authn.me.user
SELECT email, totp_enabled_at IS NOT NULL AS "totpEnabled" FROM app_user WHERE id = $1;

-- authn.oidc.consume
UPDATE oidc_payload SET consumed_at = now() WHERE kind = $1 AND id = $2 AND consumed_at IS NULL;

-- authn.oidc.destroy
DELETE FROM oidc_payload WHERE kind = $1 AND id = $2;

-- authn.oidc.findById
SELECT payload, consumed_at AS "consumedAt" FROM oidc_payload WHERE kind = $1 AND id = $2 AND (expires_at IS NULL OR expires_at > now());

-- authn.oidc.findByUid
SELECT payload, consumed_at AS "consumedAt" FROM oidc_payload WHERE kind = $1 AND uid = $2 AND (expires_at IS NULL OR expires_at > now());

-- authn.oidc.findByUserCode
SELECT payload, consumed_at AS "consumedAt" FROM oidc_payload WHERE kind = $1 AND user_code = $2 AND (expires_at IS NULL OR expires_at > now());

-- authn.oidc.grantOf
SELECT grant_id AS "grantId" FROM oidc_payload WHERE kind = $1 AND id = $2;

-- authn.oidc.purgeExpired
DELETE FROM oidc_payload WHERE ctid IN (
         SELECT ctid FROM oidc_payload WHERE expires_at < now() LIMIT $1);

-- authn.oidc.replayOnce
INSERT INTO oidc_payload (kind, id, payload, expires_at) VALUES ('ReplayDetection', $1, '{}', to_timestamp($2))
     ON CONFLICT (kind, id) DO NOTHING RETURNING 1;

-- authn.oidc.revokeByGrantId
DELETE FROM oidc_payload WHERE kind = $1 AND grant_id = $2;

-- authn.oidc.revokeGrant
DELETE FROM oidc_payload WHERE grant_id = $1 OR (kind = 'Grant' AND id = $1);

-- authn.oidc.upsert
INSERT INTO oidc_payload (kind, id, payload, grant_id, uid, user_code, account_id, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $8::int IS NULL THEN NULL ELSE now() + make_interval(secs => $8::int) END)
       ON CONFLICT (kind, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
         uid = EXCLUDED.uid, user_code = EXCLUDED.user_code, account_id = EXCLUDED.account_id,
         expires_at = EXCLUDED.expires_at;

-- authn.person.providerOfOperator
SELECT provider_id AS "providerId" FROM operator WHERE id = $1;

-- authn.person.whereHeld
SELECT g.v2 AS domain, o.provider_id AS "providerId"
       FROM casbin_rule g LEFT JOIN operator o ON g.v2 = 'operator:' || o.id
      WHERE g.ptype = 'g' AND g.v0 = $1;

-- authn.secret.get
SELECT value_sealed AS "valueSealed" FROM auth_secret WHERE name = $1;

-- authn.secret.insert
INSERT INTO auth_secret (name, value_sealed) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING;

-- authn.session.delete
DELETE FROM oidc_payload WHERE kind = 'Session' AND id = $1
       RETURNING account_id AS "accountId", payload->'authorizations' AS authorizations;

-- authn.session.deleteAccountState
DELETE FROM oidc_payload WHERE account_id = $1
        OR grant_id IN (SELECT id FROM oidc_payload WHERE kind = 'Grant' AND account_id = $1);

-- authn.session.deleteClientState
DELETE FROM oidc_payload WHERE kind <> 'Session' AND payload->>'clientId' = $1;

-- authn.session.deleteGrants
DELETE FROM oidc_payload WHERE grant_id = ANY($1) OR (kind = 'Grant' AND id = ANY($1));

-- authn.session.ofAccount
SELECT id, payload, expires_at AS "expiresAt" FROM oidc_payload
       WHERE kind = 'Session' AND account_id = $1 AND (expires_at IS NULL OR expires_at > now())
       ORDER BY created_at DESC;

-- authn.signingKey.activeAlgorithms
SELECT alg FROM signing_key WHERE retired_at IS NULL AND (expires_at IS NULL OR expires_at > now());

-- authn.signingKey.delete
DELETE FROM signing_key WHERE kid = $1;

-- authn.signingKey.insert
INSERT INTO signing_key (kid, alg, private_jwk_sealed, public_jwk) VALUES ($1, $2, $3, $4);

-- authn.signingKey.list
SELECT kid, alg, private_jwk_sealed AS "privateJwkSealed", public_jwk AS "publicJwk",
  retired_at AS "retiredAt", expires_at AS "expiresAt"
  FROM signing_key WHERE expires_at IS NULL OR expires_at > now()
  ORDER BY (retired_at IS NULL) DESC, created_at DESC;

-- authn.signingKey.lock
SELECT pg_advisory_xact_lock(hashtext('fedicentral_signing_keys'));

-- authn.signingKey.notifyCreated
SELECT pg_notify($1, 'created');

-- authn.signingKey.notifyRemoved
SELECT pg_notify($1, 'removed');

-- authn.signingKey.notifyRotated
SELECT pg_notify($1, 'rotated');

-- authn.signingKey.retire
UPDATE signing_key SET retired_at = now(), expires_at = now() + make_interval(secs => $1::int)
         WHERE retired_at IS NULL RETURNING kid;

-- authn.tokenCutoff.get
SELECT key, (extract(epoch FROM cut_at) * 1000)::float8 AS at FROM token_cutoff WHERE key = ANY($1::text[]);

-- authn.tokenCutoff.insert
INSERT INTO token_cutoff (key, cut_at, expires_at)
     SELECT k, clock_timestamp(), clock_timestamp() + make_interval(secs => $2::int) FROM unnest($1::text[]) AS k
     ON CONFLICT (key) DO UPDATE SET cut_at = excluded.cut_at, expires_at = excluded.expires_at;

-- authn.tokenCutoff.purge
DELETE FROM token_cutoff WHERE expires_at < now();

-- authn.user.beginTotp
UPDATE app_user SET totp_secret_sealed = $2, totp_last_step = NULL, updated_at = now() WHERE id = $1;

-- authn.user.byEmailForSignIn
SELECT t.id, t.email, t.display_name AS "displayName", t.disabled,
  t.totp_enabled_at IS NOT NULL AS "totpEnabled", t.last_login_at AS "lastLoginAt",
  t.created_at AS "createdAt", t.updated_at AS "updatedAt", t.password_hash AS "passwordHash" FROM app_user t
       WHERE t.email = $1;

-- authn.user.byId
SELECT t.id, t.email, t.display_name AS "displayName", t.disabled,
  t.totp_enabled_at IS NOT NULL AS "totpEnabled", t.last_login_at AS "lastLoginAt",
  t.created_at AS "createdAt", t.updated_at AS "updatedAt" FROM app_user t WHERE t.id = $1;

-- authn.user.confirmTotp
UPDATE app_user SET totp_enabled_at = now(), recovery_code_digests = $2, updated_at = now() WHERE id = $1;

-- authn.user.count
SELECT count(*)::int AS n FROM app_user t {{where}};

-- authn.user.exists
SELECT 1 FROM app_user WHERE id = $1;

-- authn.user.page
SELECT t.id, t.email, t.display_name AS "displayName", t.disabled,
  t.totp_enabled_at IS NOT NULL AS "totpEnabled", t.last_login_at AS "lastLoginAt",
  t.created_at AS "createdAt", t.updated_at AS "updatedAt" FROM app_user t {{where}}
       ORDER BY {{orderBy}} LIMIT {{limit}};

-- authn.user.pendingTotp
SELECT totp_secret_sealed AS sealed, totp_enabled_at AS "enabledAt" FROM app_user WHERE id = $1;

-- authn.user.secondFactor
SELECT t.id, t.email, t.display_name AS "displayName", t.disabled,
  t.totp_enabled_at IS NOT NULL AS "totpEnabled", t.last_login_at AS "lastLoginAt",
  t.created_at AS "createdAt", t.updated_at AS "updatedAt", t.totp_secret_sealed AS "sealed", t.totp_last_step AS "lastStep",
         t.recovery_code_digests AS "recovery" FROM app_user t WHERE t.id = $1;

-- authn.user.signedIn
UPDATE app_user SET last_login_at = now() WHERE id = $1;

-- authn.user.useRecoveryCode
UPDATE app_user SET recovery_code_digests = array_remove(recovery_code_digests, $2)
         WHERE id = $1 AND $2 = ANY(recovery_code_digests);

-- authn.user.useTotpStep
UPDATE app_user SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2);

-- authn.user.visible
SELECT t.id, t.email, t.display_name AS "displayName", t.disabled,
  t.totp_enabled_at IS NOT NULL AS "totpEnabled", t.last_login_at AS "lastLoginAt",
  t.created_at AS "createdAt", t.updated_at AS "updatedAt" FROM app_user t WHERE t.id = $1{{scope}};
