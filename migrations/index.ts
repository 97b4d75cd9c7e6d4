import type { MigrationInterface } from "typeorm";
import { Initial1795803515313 } from "./1795803515313-Initial.js";
import { Runs1795804131278 } from "./1795804131278-Runs.js";
import { ObservedResources1795805730785 } from "./1795805730785-ObservedResources.js";
import { RunNotifications1795805736800 } from "./1795805736800-RunNotifications.js";
import { NetboxMirror1795805984342 } from "./1795805984342-NetboxMirror.js";
import { NetboxMirrorSql1795805984343 } from "./1795805984343-NetboxMirrorSql.js";
import { Authentication1795806264153 } from "./1795806264153-Authentication.js";
import { Authz1795806596369 } from "./1795806596369-Authz.js";
import { AuthzPolicyNotify1795806596370 } from "./1795806596370-AuthzPolicyNotify.js";
import { AuthzRoles1795806596371 } from "./1795806596371-AuthzRoles.js";
import { Accounting1795807948840 } from "./1795807948840-Accounting.js";
import { AccountingSql1795807948841 } from "./1795807948841-AccountingSql.js";
import { RunLogCompression1795808105968 } from "./1795808105968-RunLogCompression.js";
import { OperatorAdminClients1795824170319 } from "./1795824170319-OperatorAdminClients.js";
import { RateLimits1795830000000 } from "./1795830000000-RateLimits.js";
import { AccountingFailureTally1796514351912 } from "./1796514351912-AccountingFailureTally.js";
import { IdempotencyKeyPerDeployment1796514298680 } from "./1796514298680-IdempotencyKeyPerDeployment.js";
import { OperatorDnsZoneDisjoint1796514400000 } from "./1796514400000-OperatorDnsZoneDisjoint.js";
import { TokenCutoffs1796514734244 } from "./1796514734244-TokenCutoffs.js";
import { TokenCutoffNotify1796514734245 } from "./1796514734245-TokenCutoffNotify.js";
import { AccountingCheckpointChain1796515184606 } from "./1796515184606-AccountingCheckpointChain.js";
import { ProviderTenants1796515179996 } from "./1796515179996-ProviderTenants.js";
import { Backups1796522870514 } from "./1796522870514-Backups.js";
import { ServiceCatalogPerProvider1796523107228 } from "./1796523107228-ServiceCatalogPerProvider.js";
import { BackupRestores1796523560025 } from "./1796523560025-BackupRestores.js";
import { DropServiceBackupColumns1796524675257 } from "./1796524675257-DropServiceBackupColumns.js";
import { BackupSnapshotLiveIndex1796525600000 } from "./1796525600000-BackupSnapshotLiveIndex.js";
import { BackupVolumeLastSnapshot1796526171576 } from "./1796526171576-BackupVolumeLastSnapshot.js";
import { ServicePageIndex1796526942302 } from "./1796526942302-ServicePageIndex.js";

// Every migration, in order. New ones come from `npm run db:generate -- <Name>`, reviewed, then appended here.
export const migrations: (new () => MigrationInterface)[] = [
  Initial1795803515313,
  Runs1795804131278,
  ObservedResources1795805730785,
  RunNotifications1795805736800,
  NetboxMirror1795805984342,
  NetboxMirrorSql1795805984343,
  Authentication1795806264153,
  Authz1795806596369,
  AuthzPolicyNotify1795806596370,
  AuthzRoles1795806596371,
  Accounting1795807948840,
  AccountingSql1795807948841,
  RunLogCompression1795808105968,
  OperatorAdminClients1795824170319,
  RateLimits1795830000000,
  AccountingFailureTally1796514351912,
  IdempotencyKeyPerDeployment1796514298680,
  OperatorDnsZoneDisjoint1796514400000,
  TokenCutoffs1796514734244,
  TokenCutoffNotify1796514734245,
  AccountingCheckpointChain1796515184606,
  ProviderTenants1796515179996,
  Backups1796522870514,
  ServiceCatalogPerProvider1796523107228,
  BackupRestores1796523560025,
  DropServiceBackupColumns1796524675257,
  BackupSnapshotLiveIndex1796525600000,
  BackupVolumeLastSnapshot1796526171576,
  ServicePageIndex1796526942302,
];
