import { Injectable } from '@nestjs/common';
import { MembershipRepository, NamespaceRepository, tenantScope } from '@nimbus/db';
import { weakerRole } from '@nimbus/domain';
import { notFound } from '../common/problem';
import { PrismaService } from '../infra/prisma.service';
import { AuthCacheService } from './auth-cache.service';
import type { Principal, ResourceRef, TenantAccess } from './principal';

/**
 * The single place where a tenant name from a URL becomes a tenant the caller may act in. A
 * tenant the caller is not a member of, or that their token is not scoped to, is reported as
 * not found, exactly like one that does not exist.
 */
@Injectable()
export class AccessService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly cache: AuthCacheService,
  ) {}

  async resolve(
    principal: Principal,
    tenantName: string,
    namespaceName: string | undefined,
    epoch: string | null,
  ): Promise<TenantAccess> {
    const membership = await this.cache.remember(`member:${principal.user.id}:${tenantName}`, epoch, () =>
      new MembershipRepository(this.prisma.client).findForUser(principal.user.id, tenantName),
    );
    if (!membership || (principal.token.tenantId && principal.token.tenantId !== membership.tenant.id)) {
      throw notFound('tenant', tenantName);
    }
    const scope = tenantScope(membership.tenant.id);
    const role = weakerRole(membership.role, principal.token.role);
    if (namespaceName === undefined) return { scope, tenant: membership.tenant, role, namespace: null };

    const namespace = await this.cache.remember(
      `namespace:${membership.tenant.id}:${namespaceName}`,
      epoch,
      async (): Promise<ResourceRef | null> => {
        const row = await new NamespaceRepository(this.prisma.client).findByName(scope, namespaceName);
        return row ? { id: row.id, name: row.name } : null;
      },
    );
    if (!namespace || (principal.token.namespaceId && principal.token.namespaceId !== namespace.id)) {
      throw notFound('namespace', namespaceName);
    }
    return { scope, tenant: membership.tenant, role, namespace };
  }
}
