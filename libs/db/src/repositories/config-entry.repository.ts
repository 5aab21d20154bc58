import type { Db } from '../prisma-client';
import type { TenantScope } from '../tenant-scope';
import type { ConfigEntry, ConfigKind, ConfigScope } from '../generated/prisma/client';

/** The tenant, namespace or app that owns a set of config entries. */
export type ConfigOwner =
  | { scope: 'tenant' }
  | { scope: 'namespace'; namespaceId: string }
  | { scope: 'app'; namespaceId: string; appId: string };

export interface ConfigWrite {
  key: string;
  kind: ConfigKind;
  value: string | null;
  ciphertext: Uint8Array<ArrayBuffer> | null;
}

function ownerColumns(scope: TenantScope, owner: ConfigOwner) {
  switch (owner.scope) {
    case 'tenant':
      return { scope: 'tenant' as ConfigScope, scopeId: scope.tenantId, namespaceId: null, appId: null };
    case 'namespace':
      return {
        scope: 'namespace' as ConfigScope,
        scopeId: owner.namespaceId,
        namespaceId: owner.namespaceId,
        appId: null,
      };
    case 'app':
      return {
        scope: 'app' as ConfigScope,
        scopeId: owner.appId,
        namespaceId: owner.namespaceId,
        appId: owner.appId,
      };
  }
}

/** Config vars and secrets, each owned by one tenant, namespace or app. */
export class ConfigEntryRepository {
  constructor(private readonly db: Db) {}

  list(scope: TenantScope, owner: ConfigOwner, kind?: ConfigKind): Promise<ConfigEntry[]> {
    const { scopeId } = ownerColumns(scope, owner);
    return this.db.configEntry.findMany({
      where: { tenantId: scope.tenantId, scopeId, ...(kind ? { kind } : {}) },
      orderBy: { key: 'asc' },
    });
  }

  /** Every entry that reaches an app: the tenant's, its namespace's and its own. */
  forApp(scope: TenantScope, namespaceId: string, appId: string): Promise<ConfigEntry[]> {
    return this.db.configEntry.findMany({
      where: { tenantId: scope.tenantId, scopeId: { in: [scope.tenantId, namespaceId, appId] } },
    });
  }

  async upsert(scope: TenantScope, owner: ConfigOwner, write: ConfigWrite): Promise<void> {
    const columns = ownerColumns(scope, owner);
    const data = { kind: write.kind, value: write.value, ciphertext: write.ciphertext };
    await this.db.configEntry.upsert({
      where: { scopeId_key: { scopeId: columns.scopeId, key: write.key } },
      create: { tenantId: scope.tenantId, ...columns, key: write.key, ...data },
      update: data,
    });
  }

  async remove(scope: TenantScope, owner: ConfigOwner, keys: string[]): Promise<number> {
    const { scopeId } = ownerColumns(scope, owner);
    const { count } = await this.db.configEntry.deleteMany({
      where: { tenantId: scope.tenantId, scopeId, key: { in: keys } },
    });
    return count;
  }
}
