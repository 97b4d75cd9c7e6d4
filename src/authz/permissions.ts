/**
 * The name of every permission the API checks. Roles bundle them; subjects never hold one directly. Each
 * is owned by one feature module, whose `<feature>.grants.ts` says which roles get it (src/authz/catalogue.ts
 * stops the process at start when one is owned by none).
 */
export enum Permission {
  ProviderRead = "provider:read",
  /** A new provider: the installation's, not any provider's, to decide. */
  ProviderCreate = "provider:create",
  /** Change one provider: its schemas and bespoke info. */
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
  /** Create, change, retire and un-retire the service types of a provider's catalog. */
  CatalogManage = "catalog:manage",
  RunApply = "run:apply",
  RunCancel = "run:cancel",
  RunRead = "run:read",
  /** Provider-bespoke info (upstream DNS, mail server, NetBox connection): provider staff only. */
  ProviderInfoRead = "provider-info:read",
  AccountingRead = "accounting:read",
  /** Sign the accounting chain heads now (they are signed hourly anyway). */
  AccountingCheckpoint = "accounting:checkpoint",
  NetboxSync = "netbox:sync",
  /** Set, test and remove a provider's NetBox connection and its tenant → operator mappings. */
  NetboxManage = "netbox:manage",
  /** Read the NetBox mirror and sync runs; operator-scoped grants see their own tenants' objects only. */
  NetboxRead = "netbox:read",
  /** Report what NixOps4 observed after a run (the config-reader's second half). */
  StateReport = "state:report",
  PolicyRead = "policy:read",
  PolicyManage = "policy:manage",
  /** Who am I (me), and one's own second factor: every role should hold these. */
  SelfRead = "self:read",
  SelfManage = "self:manage",
  /** People who sign in, their sessions; service accounts and frontend clients. */
  UserRead = "user:read",
  UserManage = "user:manage",
  SessionRevoke = "session:revoke",
  ClientRead = "client:read",
  ClientManage = "client:manage",
  /** Backup policies, volumes, snapshots, replicas, retention plans and freshness of an operator's services. */
  BackupRead = "backup:read",
  /** A provider's backup defaults and minimums, targets and its services' volumes. */
  BackupManage = "backup:manage",
  /** Report snapshots and replica states (the backup agent, provider-side). */
  BackupReport = "backup:report",
  /** Ask for a restore of a service from one of its snapshots. */
  BackupRestore = "backup:restore",
  /** Approve (or refuse) a restore someone asked for: the provider's decision. */
  BackupApprove = "backup:approve",
}
