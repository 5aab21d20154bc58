import { Injectable } from '@nestjs/common';
import { AuditRepository, tenantScope, type Tenant } from '@nimbus/db';
import { roleAtLeast, type Role } from '@nimbus/domain';
import { conflict, forbidden, notFound } from '../common/problem';
import { KeyringService } from '../infra/keyring.service';
import { PrismaService } from '../infra/prisma.service';
import type { Principal, TenantAccess } from '../auth/principal';
import { AuditService } from '../audit/audit.service';
import { AuthCacheService } from '../auth/auth-cache.service';
import { GitRepositoriesService } from '../git/git-repositories.service';

const presentTenant = (tenant: Tenant, role: Role) => ({
  id: tenant.id,
  name: tenant.name,
  role,
  createdAt: tenant.createdAt.toISOString(),
});

@Injectable()
export class TenantsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly keyring: KeyringService,
    private readonly audit: AuditService,
    private readonly cache: AuthCacheService,
    private readonly repositories: GitRepositoriesService,
  ) {}

  async list(principal: Principal) {
    const memberships = await this.prisma.client.membership.findMany({
      where: {
        userId: principal.user.id,
        ...(principal.token.tenantId ? { tenantId: principal.token.tenantId } : {}),
      },
      include: { tenant: true },
      orderBy: { tenant: { name: 'asc' } },
    });
    return memberships.map((m) => presentTenant(m.tenant, m.role));
  }

  async get(access: TenantAccess) {
    const tenant = await this.prisma.client.tenant.findUniqueOrThrow({
      where: { id: access.scope.tenantId },
    });
    return presentTenant(tenant, access.role);
  }

  /** Any person may start a tenant and becomes its owner; tokens limited to a tenant may not. */
  async create(principal: Principal, name: string, requestId: string | null) {
    if (principal.token.tenantId)
      throw forbidden('this token is limited to one tenant and cannot create tenants');
    const dataKey = this.keyring.newTenantKey();
    return this.cache.invalidating(
      this.prisma.client.$transaction(async (tx) => {
        if (await tx.tenant.findUnique({ where: { name } }))
          throw conflict('tenant/exists', `tenant "${name}" already exists`);
        const tenant = await tx.tenant.create({
          data: {
            name,
            wrappedDataKey: new Uint8Array(dataKey.wrapped),
            masterKeyId: dataKey.masterKeyId,
            memberships: { create: { userId: principal.user.id, role: 'owner' } },
          },
        });
        await new AuditRepository(tx).record(
          tenantScope(tenant.id),
          this.audit.entry(principal, requestId, 'tenant.create', 'tenant', name),
        );
        return presentTenant(tenant, 'owner');
      }),
    );
  }

  /** Deletes the tenant and everything in it; the audit entry is kept at platform level. */
  async destroy(principal: Principal, access: TenantAccess, requestId: string | null) {
    const tenant = await this.cache.invalidating(
      this.prisma.client.$transaction(async (tx) => {
        const deleted = await tx.tenant.delete({ where: { id: access.scope.tenantId } });
        await new AuditRepository(tx).record(
          null,
          this.audit.entry(principal, requestId, 'tenant.delete', 'tenant', access.tenant.name, {
            tenantId: access.tenant.id,
          }),
        );
        return deleted;
      }),
    );
    await this.repositories.removeTenant(access.scope.tenantId);
    return presentTenant(tenant, access.role);
  }

  async members(access: TenantAccess) {
    const memberships = await this.prisma.client.membership.findMany({
      where: { tenantId: access.scope.tenantId },
      include: { user: true },
      orderBy: { user: { email: 'asc' } },
    });
    return memberships.map((m) => ({
      email: m.user.email,
      name: m.user.name,
      role: m.role,
      createdAt: m.createdAt.toISOString(),
    }));
  }

  /** Adds a member or changes their role. Only owners grant or take away ownership. */
  async putMember(
    principal: Principal,
    access: TenantAccess,
    email: string,
    role: Role,
    requestId: string | null,
  ) {
    const tenantId = access.scope.tenantId;
    return this.cache.invalidating(
      this.prisma.client.$transaction(async (tx) => {
        const user = await tx.user.findUnique({ where: { email: email.toLowerCase() } });
        if (!user) throw notFound('user', email);
        const existing = await tx.membership.findUnique({
          where: { tenantId_userId: { tenantId, userId: user.id } },
        });
        if ((role === 'owner' || existing?.role === 'owner') && !roleAtLeast(access.role, 'owner')) {
          throw forbidden('only an owner can grant or change the owner role');
        }
        if (existing?.role === 'owner' && role !== 'owner')
          await this.assertAnotherOwner(tx, tenantId, user.id);
        const membership = await tx.membership.upsert({
          where: { tenantId_userId: { tenantId, userId: user.id } },
          create: { tenantId, userId: user.id, role },
          update: { role },
        });
        await new AuditRepository(tx).record(
          access.scope,
          this.audit.entry(
            principal,
            requestId,
            existing ? 'member.update' : 'member.add',
            'member',
            user.email,
            {
              role,
              previousRole: existing?.role ?? null,
            },
          ),
        );
        return {
          email: user.email,
          name: user.name,
          role: membership.role,
          createdAt: membership.createdAt.toISOString(),
        };
      }),
    );
  }

  async removeMember(principal: Principal, access: TenantAccess, email: string, requestId: string | null) {
    const tenantId = access.scope.tenantId;
    return this.cache.invalidating(
      this.prisma.client.$transaction(async (tx) => {
        const membership = await tx.membership.findFirst({
          where: { tenantId, user: { email: email.toLowerCase() } },
          include: { user: true },
        });
        if (!membership) throw notFound('member', email);
        if (membership.role === 'owner') {
          if (!roleAtLeast(access.role, 'owner')) throw forbidden('only an owner can remove an owner');
          await this.assertAnotherOwner(tx, tenantId, membership.userId);
        }
        await tx.membership.delete({ where: { id: membership.id } });
        await new AuditRepository(tx).record(
          access.scope,
          this.audit.entry(principal, requestId, 'member.remove', 'member', membership.user.email, {
            role: membership.role,
          }),
        );
        return {
          email: membership.user.email,
          name: membership.user.name,
          role: membership.role,
          createdAt: membership.createdAt.toISOString(),
        };
      }),
    );
  }

  private async assertAnotherOwner(
    tx: Parameters<Parameters<PrismaService['client']['$transaction']>[0]>[0],
    tenantId: string,
    leavingUserId: string,
  ): Promise<void> {
    const others = await tx.membership.count({
      where: { tenantId, role: 'owner', userId: { not: leavingUserId } },
    });
    if (others === 0) throw conflict('tenant/last_owner', 'a tenant must keep at least one owner');
  }
}
