export { createPrismaClient } from './prisma-client';
export type { Db, DbClient } from './prisma-client';
export { applyMigrations, ensureDatabase, MIGRATIONS_DIR } from './migrate';
export { tenantScope } from './tenant-scope';
export type { TenantScope } from './tenant-scope';
export { NamespaceRepository } from './repositories/namespace.repository';
export { AppRepository } from './repositories/app.repository';
export { ConfigEntryRepository } from './repositories/config-entry.repository';
export type { ConfigOwner } from './repositories/config-entry.repository';
export { AuditRepository } from './repositories/audit.repository';
export { ReleaseRepository, imageFieldsOf } from './repositories/release.repository';
export { BuildRepository } from './repositories/build.repository';
export { BuildLimitError } from './repositories/build.repository';
export type { NewBuild, FinishedBuild, BuildLimits } from './repositories/build.repository';
export { loadTenantKey } from './repositories/tenant-key';
export type { NewRelease, ReleaseImageFields } from './repositories/release.repository';
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
