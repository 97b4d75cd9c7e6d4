-- Generated from the code by `npm run sql:emit`; do not edit.

-- netbox.connection.delete
DELETE FROM netbox_connection WHERE provider_id = $1 RETURNING provider_id;

-- netbox.connection.deleteMappings
DELETE FROM netbox_tenant_mapping WHERE provider_id = $1;

-- netbox.connection.deleteObjects
DELETE FROM netbox_object WHERE provider_id = $1;

-- netbox.connection.dropKinds
DELETE FROM netbox_object WHERE provider_id = $1 AND kind = ANY($2::text[]);

-- netbox.connection.exists
SELECT 1 FROM netbox_connection WHERE provider_id = $1;

-- netbox.connection.failSyncs
UPDATE netbox_sync_run SET state = 'failed', finished_at = now(), reason = 'the NetBox connection was removed'
          WHERE provider_id = $1 AND state = 'queued';

-- netbox.connection.forClient
SELECT url, token_sealed AS "tokenSealed", tls_verify AS "tlsVerify", ca_certificate AS "caCertificate",
            kinds, last_change_id AS "lastChangeId", last_change_time AS "lastChangeTime"
       FROM netbox_connection WHERE provider_id = $1;

-- netbox.connection.forTest
SELECT url, token_sealed AS "tokenSealed", tls_verify AS "tlsVerify", ca_certificate AS "caCertificate", kinds
         FROM netbox_connection WHERE provider_id = $1;

-- netbox.connection.lockProvider
SELECT id FROM provider WHERE id = $1 FOR UPDATE;

-- netbox.connection.stored
SELECT url, token_sealed AS "tokenSealed", token_hint AS "tokenHint", token_format AS "tokenFormat",
                tls_verify AS "tlsVerify", ca_certificate AS "caCertificate", kinds,
                match_tenants_by_slug AS "matchTenantsBySlug", webhook_secret_sealed AS "webhookSecretSealed",
                schedule_enabled AS "scheduleEnabled", incremental_interval_seconds AS "incrementalIntervalSeconds",
                full_interval_seconds AS "fullIntervalSeconds"
           FROM netbox_connection WHERE provider_id = $1 FOR UPDATE;

-- netbox.connection.upsert
INSERT INTO netbox_connection (provider_id, url, token_sealed, token_format, token_hint, tls_verify,
           ca_certificate, kinds, match_tenants_by_slug, webhook_secret_sealed, schedule_enabled,
           incremental_interval_seconds, full_interval_seconds)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (provider_id) DO UPDATE SET url = $2, token_sealed = $3, token_format = $4, token_hint = $5,
           tls_verify = $6, ca_certificate = $7, kinds = $8, match_tenants_by_slug = $9,
           webhook_secret_sealed = $10, schedule_enabled = $11, incremental_interval_seconds = $12,
           full_interval_seconds = $13, updated_at = now(),
           last_change_id = CASE WHEN $14 THEN NULL ELSE netbox_connection.last_change_id END,
           last_change_time = CASE WHEN $14 THEN NULL ELSE netbox_connection.last_change_time END;

-- netbox.connection.view
SELECT c.provider_id AS "providerUuid", c.url, c.token_format AS "tokenFormat",
  c.token_hint AS "tokenHint", c.tls_verify AS "tlsVerify", c.ca_certificate AS "caCertificate", c.kinds,
  c.match_tenants_by_slug AS "matchTenantsBySlug", c.webhook_secret_sealed IS NOT NULL AS "webhookConfigured",
  c.schedule_enabled AS "scheduleEnabled", c.incremental_interval_seconds AS "incrementalIntervalSeconds",
  c.full_interval_seconds AS "fullIntervalSeconds", c.last_change_id AS watermark,
  to_char(c.last_change_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "watermarkTime", c.netbox_version AS "netboxVersion",
  to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt", to_char(c.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt", p.slug AS "providerSlug" FROM netbox_connection c JOIN provider p ON p.id = c.provider_id
        WHERE c.provider_id = $1;

-- netbox.mirror.any
SELECT EXISTS (SELECT 1 FROM netbox_object WHERE provider_id = $1) AS any;

-- netbox.mirror.applyDeletes
WITH gone AS (
         UPDATE netbox_object o SET deleted_at = now(), synced_at = now()
           FROM pg_temp.netbox_stage s
          WHERE s.deleted AND o.provider_id = $1 AND o.kind = s.kind AND o.netbox_id = s.netbox_id
            AND o.deleted_at IS NULL
          RETURNING o.kind)
       SELECT kind, count(*)::int AS n FROM gone GROUP BY kind;

-- netbox.mirror.comingBack
SELECT s.kind, count(*)::int AS n FROM pg_temp.netbox_stage s
             JOIN netbox_object o ON o.provider_id = $1 AND o.kind = s.kind AND o.netbox_id = s.netbox_id
            WHERE o.deleted_at IS NOT NULL AND NOT s.deleted AND NOT s.skipped AND (o.raw IS DISTINCT FROM s.raw OR o.deleted_at IS NOT NULL)
      AND (o.synced_at < $2 OR s.netbox_last_updated > coalesce(o.netbox_last_updated, '-infinity'))
            GROUP BY s.kind;

-- netbox.mirror.deleteUnlisted
WITH gone AS (
         UPDATE netbox_object o SET deleted_at = now(), synced_at = now()
          WHERE o.provider_id = $1 AND o.kind = ANY($2::text[]) AND o.deleted_at IS NULL AND o.synced_at < $3
            AND NOT EXISTS (SELECT 1 FROM pg_temp.netbox_stage s WHERE s.kind = o.kind AND s.netbox_id = o.netbox_id)
          RETURNING o.kind)
       SELECT kind, count(*)::int AS n FROM gone GROUP BY kind;

-- netbox.mirror.insertStaged
WITH ins AS (
         INSERT INTO netbox_object (provider_id, kind, netbox_id, name, slug, display, status, role, tenant_id, site_id, rack_id, device_id, cluster_id, virtual_machine_id, vrf_id, vid, address, prefix, custom_fields, raw, netbox_last_updated, synced_at)
         SELECT $1, s.kind, s.netbox_id, s.name, s.slug, s.display, s.status, s.role, s.tenant_id, s.site_id, s.rack_id, s.device_id, s.cluster_id, s.virtual_machine_id, s.vrf_id, s.vid, s.address, s.prefix, s.custom_fields, s.raw, s.netbox_last_updated, now()
           FROM pg_temp.netbox_stage s
          WHERE NOT s.deleted AND NOT s.skipped {{unmirrored}}
         ON CONFLICT (provider_id, kind, netbox_id) DO NOTHING
         RETURNING kind)
       SELECT kind, count(*)::int AS n FROM ins GROUP BY kind;

-- netbox.mirror.stagedCounts
SELECT kind, count(*)::int AS n FROM pg_temp.netbox_stage WHERE NOT deleted AND NOT skipped GROUP BY kind;

-- netbox.mirror.updateChanged
WITH up AS (
             UPDATE netbox_object o SET name = s.name, slug = s.slug, display = s.display, status = s.status, role = s.role, tenant_id = s.tenant_id, site_id = s.site_id, rack_id = s.rack_id, device_id = s.device_id, cluster_id = s.cluster_id, virtual_machine_id = s.virtual_machine_id, vrf_id = s.vrf_id, vid = s.vid, address = s.address, prefix = s.prefix, custom_fields = s.custom_fields, raw = s.raw, netbox_last_updated = s.netbox_last_updated, synced_at = now(), deleted_at = NULL
               FROM pg_temp.netbox_stage s
              WHERE o.provider_id = $1 AND o.kind = s.kind AND o.netbox_id = s.netbox_id
                AND NOT s.deleted AND NOT s.skipped AND (o.raw IS DISTINCT FROM s.raw OR o.deleted_at IS NOT NULL)
      AND (o.synced_at < $2 OR s.netbox_last_updated > coalesce(o.netbox_last_updated, '-infinity'))
              RETURNING o.kind)
           SELECT kind, count(*)::int AS n FROM up GROUP BY kind;

-- netbox.mirror.webhookDelete
INSERT INTO netbox_object (provider_id, kind, netbox_id, name, slug, display, status, role, tenant_id, site_id, rack_id, device_id, cluster_id, virtual_machine_id, vrf_id, vid, address, prefix, custom_fields, raw, netbox_last_updated, synced_at, deleted_at)
       SELECT $1, $2, x.netbox_id, x.name, x.slug, x.display, x.status, x.role, x.tenant_id, x.site_id, x.rack_id,
  x.device_id, x.cluster_id, x.virtual_machine_id, x.vrf_id, x.vid, x.address::inet,
  network(x.prefix::inet), x.custom_fields, x.raw, x.last_updated, now(), now()
         FROM jsonb_to_recordset($3::jsonb) AS x(netbox_id integer, name text, slug text, display text, status text, role text,
  tenant_id integer, site_id integer, rack_id integer, device_id integer, cluster_id integer,
  virtual_machine_id integer, vrf_id integer, vid integer, address text, prefix text,
  custom_fields jsonb, raw jsonb, last_updated timestamptz)
       ON CONFLICT (provider_id, kind, netbox_id) DO UPDATE SET deleted_at = now(), synced_at = now();

-- netbox.mirror.webhookDeleted
SELECT deleted_at IS NOT NULL AS deleted FROM netbox_object
      WHERE provider_id = $1 AND kind = $2 AND netbox_id = $3 FOR UPDATE;

-- netbox.mirror.webhookSame
SELECT raw = $4::jsonb AS same FROM netbox_object WHERE provider_id = $1 AND kind = $2 AND netbox_id = $3;

-- netbox.mirror.webhookUpsert
INSERT INTO netbox_object AS o (provider_id, kind, netbox_id, name, slug, display, status, role, tenant_id, site_id, rack_id, device_id, cluster_id, virtual_machine_id, vrf_id, vid, address, prefix, custom_fields, raw, netbox_last_updated, synced_at)
     SELECT $1, $2, x.netbox_id, x.name, x.slug, x.display, x.status, x.role, x.tenant_id, x.site_id, x.rack_id,
  x.device_id, x.cluster_id, x.virtual_machine_id, x.vrf_id, x.vid, x.address::inet,
  network(x.prefix::inet), x.custom_fields, x.raw, x.last_updated, now()
       FROM jsonb_to_recordset($3::jsonb) AS x(netbox_id integer, name text, slug text, display text, status text, role text,
  tenant_id integer, site_id integer, rack_id integer, device_id integer, cluster_id integer,
  virtual_machine_id integer, vrf_id integer, vid integer, address text, prefix text,
  custom_fields jsonb, raw jsonb, last_updated timestamptz)
     ON CONFLICT (provider_id, kind, netbox_id) DO UPDATE SET name = EXCLUDED.name, slug = EXCLUDED.slug, display = EXCLUDED.display, status = EXCLUDED.status, role = EXCLUDED.role, tenant_id = EXCLUDED.tenant_id, site_id = EXCLUDED.site_id, rack_id = EXCLUDED.rack_id, device_id = EXCLUDED.device_id, cluster_id = EXCLUDED.cluster_id, virtual_machine_id = EXCLUDED.virtual_machine_id, vrf_id = EXCLUDED.vrf_id, vid = EXCLUDED.vid, address = EXCLUDED.address, prefix = EXCLUDED.prefix, custom_fields = EXCLUDED.custom_fields, raw = EXCLUDED.raw, netbox_last_updated = EXCLUDED.netbox_last_updated, synced_at = now()
     WHERE EXCLUDED.netbox_last_updated > coalesce(o.netbox_last_updated, '-infinity')
        OR (EXCLUDED.netbox_last_updated IS NOT DISTINCT FROM o.netbox_last_updated AND o.raw IS DISTINCT FROM EXCLUDED.raw)
     RETURNING o.netbox_id;

-- netbox.objectById
SELECT t.id, t.provider_id AS "providerId", t.kind, t.netbox_id AS "netboxId",
  t.name, t.slug, t.display, t.status, t.role, t.tenant_id AS "tenantId", t.site_id AS "siteId",
  t.rack_id AS "rackId", t.device_id AS "deviceId", t.cluster_id AS "clusterId",
  t.virtual_machine_id AS "virtualMachineId", t.vrf_id AS "vrfId", t.vid, t.address::text AS address,
  t.prefix::text AS prefix, t.custom_fields AS "customFields", to_char(t.netbox_last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "lastUpdated",
  to_char(t.synced_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "syncedAt", to_char(t.deleted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "deletedAt" FROM netbox_object t WHERE t.id = ANY($1::uuid[]){{scope}};

-- netbox.objectByKey
SELECT t.id, t.provider_id AS "providerId", t.kind, t.netbox_id AS "netboxId",
  t.name, t.slug, t.display, t.status, t.role, t.tenant_id AS "tenantId", t.site_id AS "siteId",
  t.rack_id AS "rackId", t.device_id AS "deviceId", t.cluster_id AS "clusterId",
  t.virtual_machine_id AS "virtualMachineId", t.vrf_id AS "vrfId", t.vid, t.address::text AS address,
  t.prefix::text AS prefix, t.custom_fields AS "customFields", to_char(t.netbox_last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "lastUpdated",
  to_char(t.synced_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "syncedAt", to_char(t.deleted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "deletedAt" FROM netbox_object t
             JOIN unnest($1::uuid[], $2::text[], $3::integer[]) AS k(p, kind, n)
               ON t.provider_id = k.p AND t.kind = k.kind AND t.netbox_id = k.n
            WHERE t.deleted_at IS NULL;

-- netbox.objects.count
SELECT count(*)::int AS n FROM netbox_object t {{where}};

-- netbox.objects.page
SELECT t.id, t.provider_id AS "providerId", t.kind, t.netbox_id AS "netboxId",
  t.name, t.slug, t.display, t.status, t.role, t.tenant_id AS "tenantId", t.site_id AS "siteId",
  t.rack_id AS "rackId", t.device_id AS "deviceId", t.cluster_id AS "clusterId",
  t.virtual_machine_id AS "virtualMachineId", t.vrf_id AS "vrfId", t.vid, t.address::text AS address,
  t.prefix::text AS prefix, t.custom_fields AS "customFields", to_char(t.netbox_last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "lastUpdated",
  to_char(t.synced_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "syncedAt", to_char(t.deleted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "deletedAt" FROM netbox_object t {{where}}
     ORDER BY {{orderBy}} LIMIT {{limit}};

-- netbox.rawById
SELECT t.id, t.raw FROM netbox_object t WHERE t.id = ANY($1::uuid[]){{scope}};

-- netbox.schedule.enqueueDue
WITH due AS (
       SELECT c.provider_id, c.incremental_interval_seconds AS inc, c.full_interval_seconds AS full_s,
              (SELECT max(r.queued_at) FROM netbox_sync_run r WHERE r.provider_id = c.provider_id) AS last_attempt,
              (SELECT max(r.queued_at) FROM netbox_sync_run r
                WHERE r.provider_id = c.provider_id AND r.mode = 'full' AND r.state = 'succeeded') AS last_full
         FROM netbox_connection c WHERE c.schedule_enabled)
     INSERT INTO netbox_sync_run (provider_id, mode, trigger, initiator)
     SELECT provider_id,
            CASE WHEN last_full IS NULL OR last_full <= now() - full_s * interval '1 second'
                 THEN 'full' ELSE 'incremental' END,
            'schedule', $1::jsonb
       FROM due WHERE last_attempt IS NULL OR last_attempt <= now() - inc * interval '1 second'
     ON CONFLICT (provider_id) WHERE state IN ('queued', 'running') DO NOTHING
     RETURNING id;

-- netbox.schedule.failLost
UPDATE netbox_sync_run SET state = 'failed', finished_at = now(), reason = $2, progress = NULL
            WHERE id = $1 AND state = 'running' RETURNING id;

-- netbox.schedule.running
SELECT id, provider_id AS "providerId" FROM netbox_sync_run WHERE state = 'running';

-- netbox.schedule.unlocked
SELECT pg_try_advisory_xact_lock(hashtextextended('fedicentral.netbox-sync:' || $1::text, 0)) AS free;

-- netbox.stage.create
CREATE TEMP TABLE netbox_stage (
      kind text NOT NULL, netbox_id integer NOT NULL, deleted boolean NOT NULL DEFAULT false,
      skipped boolean NOT NULL DEFAULT false,
      name text, slug text, display text, status text, role text, tenant_id integer, site_id integer,
      rack_id integer, device_id integer, cluster_id integer, virtual_machine_id integer, vrf_id integer,
      vid integer, address inet, prefix cidr, custom_fields jsonb, raw jsonb, netbox_last_updated timestamptz,
      PRIMARY KEY (kind, netbox_id));

-- netbox.stage.drop
DROP TABLE IF EXISTS pg_temp.netbox_stage;

-- netbox.stage.put
INSERT INTO pg_temp.netbox_stage (kind, netbox_id, deleted, name, slug, display, status, role, tenant_id, site_id, rack_id, device_id, cluster_id, virtual_machine_id, vrf_id, vid, address, prefix, custom_fields, raw, netbox_last_updated)
       SELECT $1, x.netbox_id, false, x.name, x.slug, x.display, x.status, x.role, x.tenant_id, x.site_id, x.rack_id,
  x.device_id, x.cluster_id, x.virtual_machine_id, x.vrf_id, x.vid, x.address::inet,
  network(x.prefix::inet), x.custom_fields, x.raw, x.last_updated
         FROM jsonb_to_recordset($2::jsonb) AS x(netbox_id integer, name text, slug text, display text, status text, role text,
  tenant_id integer, site_id integer, rack_id integer, device_id integer, cluster_id integer,
  virtual_machine_id integer, vrf_id integer, vid integer, address text, prefix text,
  custom_fields jsonb, raw jsonb, last_updated timestamptz)
       ON CONFLICT (kind, netbox_id) DO UPDATE SET deleted = false, skipped = false, name = EXCLUDED.name, slug = EXCLUDED.slug, display = EXCLUDED.display, status = EXCLUDED.status, role = EXCLUDED.role, tenant_id = EXCLUDED.tenant_id, site_id = EXCLUDED.site_id, rack_id = EXCLUDED.rack_id, device_id = EXCLUDED.device_id, cluster_id = EXCLUDED.cluster_id, virtual_machine_id = EXCLUDED.virtual_machine_id, vrf_id = EXCLUDED.vrf_id, vid = EXCLUDED.vid, address = EXCLUDED.address, prefix = EXCLUDED.prefix, custom_fields = EXCLUDED.custom_fields, raw = EXCLUDED.raw, netbox_last_updated = EXCLUDED.netbox_last_updated;

-- netbox.stage.putDeleted
INSERT INTO pg_temp.netbox_stage (kind, netbox_id, deleted)
       SELECT $1, unnest($2::integer[]), true
       ON CONFLICT (kind, netbox_id) DO UPDATE SET deleted = true, skipped = false, raw = NULL;

-- netbox.stage.putSkipped
INSERT INTO pg_temp.netbox_stage (kind, netbox_id, skipped)
       SELECT $1, unnest($2::integer[]), true
       ON CONFLICT (kind, netbox_id) DO UPDATE SET skipped = true, deleted = false, raw = NULL;

-- netbox.sync.active
SELECT id, state FROM netbox_sync_run WHERE provider_id = $1 AND state IN ('queued', 'running');

-- netbox.sync.enqueue
INSERT INTO netbox_sync_run (provider_id, mode, trigger, initiator, request_id)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (provider_id) WHERE state IN ('queued', 'running') DO NOTHING RETURNING id;

-- netbox.sync.failed
UPDATE netbox_sync_run SET state = 'failed', finished_at = now(), reason = $2, progress = NULL,
                pages = $3, skipped = $4, issues = $5
          WHERE id = $1 AND state = 'running';

-- netbox.sync.lock
SELECT pg_try_advisory_lock(hashtextextended('fedicentral.netbox-sync:' || $1::text, 0)) AS locked;

-- netbox.sync.now
SELECT now() AS now;

-- netbox.sync.objectRelease
RELEASE SAVEPOINT stage_object;

-- netbox.sync.objectRollback
ROLLBACK TO SAVEPOINT stage_object;

-- netbox.sync.objectSavepoint
SAVEPOINT stage_object;

-- netbox.sync.pageRelease
RELEASE SAVEPOINT stage_page;

-- netbox.sync.pageRollback
ROLLBACK TO SAVEPOINT stage_page;

-- netbox.sync.pageSavepoint
SAVEPOINT stage_page;

-- netbox.sync.progress
UPDATE netbox_sync_run SET progress = $2, pages = $3 WHERE id = $1 AND state = 'running';

-- netbox.sync.start
UPDATE netbox_sync_run SET state = 'running', started_at = now(), worker_id = $2
          WHERE id = $1 AND state = 'queued' RETURNING mode, trigger;

-- netbox.sync.succeeded
UPDATE netbox_sync_run SET state = 'succeeded', finished_at = now(), mode = $2, pages = $3,
              created = $4, updated = $5, deleted = $6, unchanged = $7, skipped = $8, kind_counts = $9,
              issues = $10, progress = NULL, watermark_before = $11, watermark_after = $12, netbox_version = $13
        WHERE id = $1;

-- netbox.sync.unlock
SELECT pg_advisory_unlock(hashtextextended('fedicentral.netbox-sync:' || $1::text, 0));

-- netbox.sync.watermark
UPDATE netbox_connection SET last_change_id = $2, last_change_time = $3, netbox_version = $4
        WHERE provider_id = $1;

-- netbox.syncIdle
SELECT pg_try_advisory_xact_lock(hashtextextended('fedicentral.netbox-sync:' || $1::text, 0)) AS idle;

-- netbox.syncRunById
SELECT t.id, t.seq, t.provider_id AS "providerId", t.mode, t.trigger, t.state,
  to_char(t.queued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "queuedAt", to_char(t.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "startedAt",
  to_char(t.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "finishedAt", t.pages, t.created, t.updated, t.deleted, t.unchanged,
  t.skipped, t.kind_counts AS "kindCounts", t.issues, t.progress, t.reason,
  t.watermark_before AS "watermarkBefore", t.watermark_after AS "watermarkAfter",
  t.netbox_version AS "netboxVersion", t.initiator, t.request_id AS "requestId" FROM netbox_sync_run t WHERE t.id = ANY($1::uuid[]){{scope}};

-- netbox.syncRuns.count
SELECT count(*)::int AS n FROM netbox_sync_run t {{where}};

-- netbox.syncRuns.page
SELECT t.id, t.seq, t.provider_id AS "providerId", t.mode, t.trigger, t.state,
  to_char(t.queued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "queuedAt", to_char(t.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "startedAt",
  to_char(t.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "finishedAt", t.pages, t.created, t.updated, t.deleted, t.unchanged,
  t.skipped, t.kind_counts AS "kindCounts", t.issues, t.progress, t.reason,
  t.watermark_before AS "watermarkBefore", t.watermark_after AS "watermarkAfter",
  t.netbox_version AS "netboxVersion", t.initiator, t.request_id AS "requestId" FROM netbox_sync_run t {{where}}
     ORDER BY {{orderBy}} LIMIT {{limit}};

-- netbox.tenantMapping.delete
DELETE FROM netbox_tenant_mapping WHERE provider_id = $1 AND netbox_tenant_id = $2
         RETURNING operator_id AS "operatorId";

-- netbox.tenantMapping.get
SELECT operator_id AS "operatorId" FROM netbox_tenant_mapping WHERE provider_id = $1 AND netbox_tenant_id = $2;

-- netbox.tenantMapping.list
SELECT provider_id AS "providerUuid", netbox_tenant_id AS "netboxTenantId", operator_id AS "operatorUuid"
         FROM netbox_tenant_mapping WHERE provider_id = $1 ORDER BY netbox_tenant_id;

-- netbox.tenantMapping.operatorOfProvider
SELECT 1 FROM operator WHERE id = $1 AND provider_id = $2;

-- netbox.tenantMapping.upsert
INSERT INTO netbox_tenant_mapping (provider_id, netbox_tenant_id, operator_id) VALUES ($1, $2, $3)
         ON CONFLICT (provider_id, netbox_tenant_id) DO UPDATE SET operator_id = $3;

-- netbox.tenantMappingByKey
SELECT l.provider_id AS p, l.netbox_tenant_id AS n, l.operator_id AS "operatorId"
             FROM netbox_tenant_operator l
             JOIN unnest($1::uuid[], $2::integer[]) AS k(p, n) ON l.provider_id = k.p AND l.netbox_tenant_id = k.n;

-- netbox.webhook.connection
SELECT c.provider_id AS "providerId", c.url, c.kinds, c.webhook_secret_sealed AS secret
       FROM netbox_connection c JOIN provider p ON p.id = c.provider_id WHERE p.slug = $1;

-- netbox.worker.queued
SELECT id, provider_id AS "providerId" FROM netbox_sync_run WHERE state = 'queued' ORDER BY seq LIMIT 20;
