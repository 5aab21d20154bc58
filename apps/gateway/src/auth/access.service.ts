import { Injectable } from '@nestjs/common';
import { NamespaceRepository, tenantScope } from '@nimbus/db';
import { weakerRole } from '@nimbus/domain';
import { notFound } from '../common/problem';
import { PrismaService } from '../infra/prisma.service';
import type { Principal, TenantAccess } from './principal';

/**
 * The single place where a tenant name from a URL becomes a tenant the caller may act in. A
 * tenant the caller is not a member of, or that their token is not scoped to, is reported as
 * not found, exactly like one that does not exist.
 */
@Injectable()
export class AccessService {
  constructor(private readonly prisma: PrismaService) {}

  async resolve(principal: Principal, tenantName: string, namespaceName?: string): Promise<TenantAccess> {
    const membership = await this.prisma.client.membership.findFirst({
      where: { userId: principal.user.id, tenant: { name: tenantName } },
      include: { tenant: true },
    });
    if (!membership || (principal.token.tenantId && principal.token.tenantId !== membership.tenantId)) {
      throw notFound('tenant', tenantName);
    }
    const scope = tenantScope(membership.tenantId);
    const role = weakerRole(membership.role, principal.token.role);
    if (namespaceName === undefined) return { scope, tenant: membership.tenant, role, namespace: null };

    const namespace = await new NamespaceRepository(this.prisma.client).findByName(scope, namespaceName);
    if (!namespace || (principal.token.namespaceId && principal.token.namespaceId !== namespace.id)) {
      throw notFound('namespace', namespaceName);
    }
    return { scope, tenant: membership.tenant, role, namespace };
  }
}
