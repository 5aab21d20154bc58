import type { Db } from '../prisma-client';
import type { TenantScope } from '../tenant-scope';
import type { App, RuntimeKind } from '../generated/prisma/client';

/** Apps of one tenant, addressed within a namespace. */
export class AppRepository {
  constructor(private readonly db: Db) {}

  list(scope: TenantScope, namespaceId: string): Promise<App[]> {
    return this.db.app.findMany({
      where: { tenantId: scope.tenantId, namespaceId },
      orderBy: { name: 'asc' },
    });
  }

  findById(scope: TenantScope, id: string): Promise<App | null> {
    return this.db.app.findUnique({ where: { id_tenantId: { id, tenantId: scope.tenantId } } });
  }

  findByName(scope: TenantScope, namespaceId: string, name: string): Promise<App | null> {
    return this.db.app.findFirst({ where: { tenantId: scope.tenantId, namespaceId, name } });
  }

  create(
    scope: TenantScope,
    namespaceId: string,
    name: string,
    runtime: RuntimeKind = 'process',
  ): Promise<App> {
    return this.db.app.create({ data: { tenantId: scope.tenantId, namespaceId, name, runtime } });
  }

  delete(scope: TenantScope, id: string): Promise<App> {
    return this.db.app.delete({ where: { id_tenantId: { id, tenantId: scope.tenantId } } });
  }

  async bumpConfigVersion(scope: TenantScope, id: string): Promise<void> {
    await this.db.app.update({
      where: { id_tenantId: { id, tenantId: scope.tenantId } },
      data: { configVersion: { increment: 1 } },
    });
  }

  /** The tenant's own config changed: every app's effective environment moved on. */
  async bumpAllConfigVersions(scope: TenantScope): Promise<void> {
    await this.db.app.updateMany({
      where: { tenantId: scope.tenantId },
      data: { configVersion: { increment: 1 } },
    });
  }
}
