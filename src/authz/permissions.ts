/** Every permission the API checks. Roles bundle them; subjects never hold one directly. */
export enum Permission {
  ProviderRead = "provider:read",
  ProviderManage = "provider:manage",
  OperatorRead = "operator:read",
  OperatorCreate = "operator:create",
  OperatorUpdate = "operator:update",
  OperatorSuspend = "operator:suspend",
  QuotaSet = "quota:set",
  DeploymentRead = "deployment:read",
  DeploymentWrite = "deployment:write",
  ConfigRead = "config:read",
  CatalogRead = "catalog:read",
  RunApply = "run:apply",
  RunCancel = "run:cancel",
  RunRead = "run:read",
}
