-- Generated from the code by `npm run sql:emit`; do not edit.

-- providers.byId
SELECT t.id, t.slug, t.name, t.contact_email AS "contactEmail", t.bespoke_info AS "bespokeInfo",
  t.provider_info_schema AS "providerInfoSchema", t.operator_info_schema AS "operatorInfoSchema",
  to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt", to_char(t.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt" FROM provider t WHERE t.id = ANY($1::uuid[]){{scope}};

-- providers.bySlug
SELECT t.id, t.slug, t.name, t.contact_email AS "contactEmail", t.bespoke_info AS "bespokeInfo",
  t.provider_info_schema AS "providerInfoSchema", t.operator_info_schema AS "operatorInfoSchema",
  to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt", to_char(t.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt" FROM provider t WHERE t.slug = $1{{scope}};

-- providers.coreService.byId
SELECT provider_id AS "providerId" FROM core_service WHERE id = $1;

-- providers.coreServicesByProvider
SELECT t.id, t.kind, t.name, t.endpoint, t.settings, t.provider_id AS "__parent" FROM core_service t WHERE t.provider_id = ANY($1::uuid[]) ORDER BY t.kind, t.name;

-- providers.list.count
SELECT count(*)::int AS n FROM provider t {{where}};

-- providers.list.page
SELECT t.id, t.slug, t.name, t.contact_email AS "contactEmail", t.bespoke_info AS "bespokeInfo",
  t.provider_info_schema AS "providerInfoSchema", t.operator_info_schema AS "operatorInfoSchema",
  to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt", to_char(t.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt" FROM provider t {{where}}
     ORDER BY {{orderBy}} LIMIT {{limit}};

-- providers.operatorInfo
SELECT slug, bespoke_info AS info FROM operator WHERE provider_id = $1;

-- providers.resourceProvider.byId
SELECT provider_id AS "providerId" FROM resource_provider WHERE id = $1;

-- providers.resourceProvidersByProvider
SELECT t.id, t.component_type AS "componentType", t.implementation, t.settings, t.provider_id AS "__parent" FROM resource_provider t WHERE t.provider_id = ANY($1::uuid[]) ORDER BY t.component_type, t.implementation;
