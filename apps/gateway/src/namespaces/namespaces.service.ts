import { Injectable } from '@nestjs/common';
import { AuditRepository, NamespaceRepository, type Namespace } from '@nimbus/db';
import { conflict, notFound } from '../common/problem';
import { PrismaService } from '../infra/prisma.service';
import { auditEntry } from '../audit/audit-entry';
import { AuthCacheService } from '../auth/auth-cache.service';
import type { Principal, ResourceRef, TenantAccess } from '../auth/principal';
import type { CreateNamespaceDto, UpdateNamespaceDto } from './dto/namespace.dto';

export const presentNamespace = (namespace: Namespace, tenantName: string) => ({
  id: namespace.id,
  name: namespace.name,
  tenant: tenantName,
  quota: {
    maxInstances: namespace.maxInstances,
    maxMemoryMb: namespace.maxMemoryMb,
    maxCpuMillis: namespace.maxCpuMillis,
  },
  configVersion: namespace.configVersion,
  createdAt: namespace.createdAt.toISOString(),
});

/** Only the limits a request named: JSON has no undefined. */
const quotaDetails = (quota: UpdateNamespaceDto) =>
  Object.fromEntries(Object.entries(quota).filter(([, limit]) => limit !== undefined)) as Record<
    string,
    number | null
  >;

@Injectable()
export class NamespacesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly cache: AuthCacheService,
  ) {}

  async get(access: TenantAccess, namespace: ResourceRef) {
    const row = await new NamespaceRepository(this.prisma.client).findById(access.scope, namespace.id);
    if (!row) throw notFound('namespace', namespace.name);
    return presentNamespace(row, access.tenant.name);
  }

  /** A token limited to one namespace lists only that one. */
  async list(principal: Principal, access: TenantAccess) {
    const namespaces = await new NamespaceRepository(this.prisma.client).list(
      access.scope,
      principal.token.namespaceId ?? undefined,
    );
    return namespaces.map((ns) => presentNamespace(ns, access.tenant.name));
  }

  async create(
    principal: Principal,
    access: TenantAccess,
    request: CreateNamespaceDto,
    requestId: string | null,
  ) {
    const { name, ...quota } = request;
    return this.cache.invalidating(
      this.prisma.client.$transaction(async (tx) => {
        const namespaces = new NamespaceRepository(tx);
        if (await namespaces.findByName(access.scope, name)) {
          throw conflict(
            'namespace/exists',
            `namespace "${name}" already exists in tenant "${access.tenant.name}"`,
          );
        }
        const namespace = await namespaces.create(access.scope, name, quota);
        await new AuditRepository(tx).record(
          access.scope,
          auditEntry(principal, requestId, 'namespace.create', 'namespace', name, quotaDetails(quota)),
        );
        return presentNamespace(namespace, access.tenant.name);
      }),
    );
  }

  async update(
    principal: Principal,
    access: TenantAccess,
    namespace: ResourceRef,
    quota: UpdateNamespaceDto,
    requestId: string | null,
  ) {
    return this.prisma.client.$transaction(async (tx) => {
      const updated = await new NamespaceRepository(tx).update(access.scope, namespace.id, quota);
      await new AuditRepository(tx).record(
        access.scope,
        auditEntry(
          principal,
          requestId,
          'namespace.update',
          'namespace',
          namespace.name,
          quotaDetails(quota),
        ),
      );
      return presentNamespace(updated, access.tenant.name);
    });
  }

  /** Refuses while the namespace still has apps: deleting apps is a decision to make one by one. */
  async destroy(
    principal: Principal,
    access: TenantAccess,
    namespace: ResourceRef,
    requestId: string | null,
  ) {
    return this.cache.invalidating(
      this.prisma.client.$transaction(async (tx) => {
        const namespaces = new NamespaceRepository(tx);
        const apps = await namespaces.countApps(access.scope, namespace.id);
        if (apps > 0)
          throw conflict(
            'namespace/not_empty',
            `namespace "${namespace.name}" still has ${apps} app(s); destroy them first`,
          );
        const deleted = await namespaces.delete(access.scope, namespace.id);
        await new AuditRepository(tx).record(
          access.scope,
          auditEntry(principal, requestId, 'namespace.delete', 'namespace', namespace.name),
        );
        return presentNamespace(deleted, access.tenant.name);
      }),
    );
  }
}
