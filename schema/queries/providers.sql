-- Generated from the code by `npm run sql:emit`; do not edit.

-- providers.byId
SELECT t.id, t.slug, t.name, t.contact_email AS "contactEmail", t.bespoke_info AS "bespokeInfo",
  t.provider_info_schema AS "providerInfoSchema", t.operator_info_schema AS "operatorInfoSchema",
  to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt", to_char(t.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt" FROM provider t;

-- providers.coreServicesByProvider
SELECT t.id, t.kind, t.name, t.endpoint, t.settings, t.provider_id AS "__parent" FROM core_service t;

-- providers.resourceProvidersByProvider
SELECT t.id, t.component_type AS "componentType", t.implementation, t.settings, t.provider_id AS "__parent" FROM resource_provider t;
