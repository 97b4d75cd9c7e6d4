-- Generated from the code by `npm run sql:emit`; do not edit.

-- cli.authz.grants
SELECT r.v0 AS subject, r.v1 AS role, r.v2 AS domain, coalesce(o.slug, p.slug) AS slug
             FROM casbin_rule r LEFT JOIN operator o ON r.v2 = 'operator:' || o.id
                  LEFT JOIN provider p ON r.v2 = 'provider:' || p.id
            WHERE r.ptype = 'g' AND ($1::text IS NULL OR r.v0 = $1) ORDER BY r.v0, r.v2, r.v1;

-- cli.catalog.typeBySlug
SELECT id FROM service_type WHERE provider_id = $1 AND slug = $2;

-- cli.catalog.types
SELECT slug, name, federated, reference IS NULL AS bespoke, retired_at AS "retiredAt"
     FROM service_type WHERE provider_id = $1 ORDER BY slug;

-- cli.db.createScratch
CREATE DATABASE {{database}};

-- cli.db.dropScratch
DROP DATABASE IF EXISTS {{database}} WITH (FORCE);

-- cli.domain.operatorBySlug
SELECT o.id FROM operator o JOIN provider p ON p.id = o.provider_id
     WHERE o.slug = $1 AND ($2::text IS NULL OR p.slug = $2);

-- cli.domain.providerBySlug
SELECT id FROM provider WHERE slug = $1;

-- cli.netbox.activeSync
SELECT id, state, mode FROM netbox_sync_run WHERE provider_id = $1 AND state IN ('queued', 'running');

-- cli.netbox.provider
SELECT p.id, c.provider_id IS NOT NULL AS connected
       FROM provider p LEFT JOIN netbox_connection c ON c.provider_id = p.id WHERE p.slug = $1;

-- cli.netbox.syncProgress
SELECT state, reason, pages, progress FROM netbox_sync_run WHERE id = $1;

-- cli.netbox.syncRun
SELECT state, mode, pages, created, updated, deleted, unchanged, skipped, reason, jsonb_array_length(issues) AS issues
       FROM netbox_sync_run WHERE id = $1;
