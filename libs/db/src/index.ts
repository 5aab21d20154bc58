export { createDatabasePool, createPrismaClient } from './prisma-client';
export type { DatabasePool, Db, DbClient } from './prisma-client';
export { applyMigrations, ensureDatabase, MIGRATIONS_DIR } from './migrate';
export { tenantScope, systemScope, scopeOfRow } from './tenant-scope';
export type { TenantScope, SystemScope } from './tenant-scope';
export { NamespaceRepository } from './repositories/namespace.repository';
export { AppRepository } from './repositories/app.repository';
export { CertificateRepository } from './repositories/certificate.repository';
export type {
  CertificateSummary,
  ExpiringCertificate,
  NewCertificate,
} from './repositories/certificate.repository';
export { DomainRepository } from './repositories/domain.repository';
export type { DomainOwner } from './repositories/domain.repository';
export { ConfigEntryRepository } from './repositories/config-entry.repository';
export type { ConfigOwner } from './repositories/config-entry.repository';
export { AuditRepository } from './repositories/audit.repository';
export { ReleaseRepository } from './repositories/release.repository';
export { BuildRepository } from './repositories/build.repository';
export { BuildLimitError } from './repositories/build.repository';
export type { NewBuild, FinishedBuild, BuildLimits } from './repositories/build.repository';
export { loadTenantKey } from './repositories/tenant-key';
export { pingDatabase } from './database-ping';
export { MembershipRepository } from './repositories/membership.repository';
export { ApiTokenRepository } from './repositories/api-token.repository';
export type { ApiTokenWithScope, NewApiToken } from './repositories/api-token.repository';
export { InstanceRepository, INSTANCE_CONTEXT } from './repositories/instance.repository';
export type {
  InstanceWithApp,
  InstanceStatusUpdate,
  NewOneOffInstance,
} from './repositories/instance.repository';
export { FormationRepository } from './repositories/formation.repository';
export type { FormationChange } from './repositories/formation.repository';
export { RolloutRepository } from './repositories/rollout.repository';
export { EventRepository } from './repositories/event.repository';
export type { NodeEvent } from './repositories/event.repository';
export type { AppEvent } from './repositories/event.repository';
export type { AppRoute, AppWithContext, AppWithOwners } from './repositories/app.repository';
export type { AppWithStatusFacts } from './repositories/app-status-facts';
export { AppListQuery } from './repositories/app-list.query';
export { AppListChanges } from './app-list-changes';
export type { AppListChangeListener } from './app-list-changes';
export type { NewServiceInstances } from './repositories/instance.repository';
export type { NewFormation } from './repositories/formation.repository';
export type { NewRollout } from './repositories/rollout.repository';
export { PostdeployRepository } from './repositories/postdeploy.repository';
export type { NewPostdeploy, PostdeployEnd } from './repositories/postdeploy.repository';
export { NodeRepository } from './repositories/node.repository';
export { NodeInstanceRepository } from './repositories/node-instance.repository';
export { LeaderLeaseRepository } from './repositories/leader-lease.repository';
export { UsageRepository } from './repositories/usage.repository';
export type { InstanceUsageSum, RequestUsageSum, UsageRange } from './repositories/usage.repository';
export { AutoscalerRepository } from './repositories/autoscaler.repository';
export type { AutoscalerSpec, AutoscalerWithApp } from './repositories/autoscaler.repository';
export type { NewRelease } from './repositories/release.repository';
export type { AuditRecord } from './repositories/audit.repository';
export { Prisma } from './generated/prisma/client';
export type {
  ApiToken,
  App,
  Release,
  Build,
  BuildStatus,
  Node,
  Instance,
  Formation,
  Autoscaler,
  Certificate,
  Domain,
  Rollout,
  Event,
  InstancePhase,
  RuntimeKind,
  AuditEntry,
  ConfigEntry,
  Membership,
  Namespace,
  Tenant,
  User,
  Role,
  ConfigScope,
  ConfigKind,
  TokenKind,
} from './generated/prisma/client';
