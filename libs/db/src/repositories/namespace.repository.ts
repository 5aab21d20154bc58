import type { Db } from '../prisma-client';
import type { TenantScope } from '../tenant-scope';
import type { Namespace, Prisma } from '../generated/prisma/client';

export type NamespaceQuota = Pick<Namespace, 'maxInstances' | 'maxMemoryMb' | 'maxCpuMillis'>;

/** Namespaces of one tenant. */
export class NamespaceRepository {
  constructor(private readonly db: Db) {}

  list(scope: TenantScope, onlyId?: string): Promise<Namespace[]> {
    return this.db.namespace.findMany({
      where: { tenantId: scope.tenantId, ...(onlyId ? { id: onlyId } : {}) },
      orderBy: { name: 'asc' },
    });
  }

  findById(scope: TenantScope, id: string): Promise<Namespace | null> {
    return this.db.namespace.findUnique({ where: { id_tenantId: { id, tenantId: scope.tenantId } } });
  }

  findByName(scope: TenantScope, name: string): Promise<Namespace | null> {
    return this.db.namespace.findUnique({ where: { tenantId_name: { tenantId: scope.tenantId, name } } });
  }

  create(scope: TenantScope, name: string, quota: Partial<NamespaceQuota>): Promise<Namespace> {
    return this.db.namespace.create({ data: { tenantId: scope.tenantId, name, ...quota } });
  }

  update(scope: TenantScope, id: string, data: Partial<NamespaceQuota>): Promise<Namespace> {
    return this.db.namespace.update({ where: { id_tenantId: { id, tenantId: scope.tenantId } }, data });
  }

  delete(scope: TenantScope, id: string): Promise<Namespace> {
    return this.db.namespace.delete({ where: { id_tenantId: { id, tenantId: scope.tenantId } } });
  }

  /** The namespace's config version, read inside the transaction that may have just moved it on. */
  async configVersion(scope: TenantScope, id: string): Promise<number> {
    const namespace = await this.db.namespace.findUniqueOrThrow({
      where: { id_tenantId: { id, tenantId: scope.tenantId } },
      select: { configVersion: true },
    });
    return namespace.configVersion;
  }

  countApps(scope: TenantScope, id: string): Promise<number> {
    return this.db.app.count({ where: { tenantId: scope.tenantId, namespaceId: id } });
  }

  /** A namespace's own config changed: its version, and that of every app inside it, moves on. */
  async bumpConfigVersion(scope: TenantScope, id: string): Promise<void> {
    const where: Prisma.NamespaceWhereUniqueInput = { id_tenantId: { id, tenantId: scope.tenantId } };
    await this.db.namespace.update({ where, data: { configVersion: { increment: 1 } } });
    await this.db.app.updateMany({
      where: { tenantId: scope.tenantId, namespaceId: id },
      data: { configVersion: { increment: 1 } },
    });
  }
}
