import { Injectable } from '@nestjs/common';
import { AuditRepository, MembershipRepository, tenantScope, type Db, type Tenant } from '@nimbus/db';
import { roleAtLeast, type Role } from '@nimbus/domain';
import { conflict, forbidden, notFound } from '../common/problem';
import { KeyringService } from '../infra/keyring.service';
import { PrismaService } from '../infra/prisma.service';
import type { Principal, TenantAccess } from '../auth/principal';
import { auditEntry } from '../audit/audit-entry';
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
    private readonly cache: AuthCacheService,
    private readonly repositories: GitRepositoriesService,
  ) {}

  async list(principal: Principal) {
    const memberships = await new MembershipRepository(this.prisma.client).listForUser(
      principal.user.id,
      principal.token.tenantId,
    );
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
          },
        });
        // Its creator is its first owner: the one membership made before any access is resolved.
        const scope = tenantScope(tenant.id);
        await new MembershipRepository(tx).put(scope, principal.user.id, 'owner');
        await new AuditRepository(tx).record(
          scope,
          auditEntry(principal, requestId, 'tenant.create', 'tenant', name),
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
          auditEntry(principal, requestId, 'tenant.delete', 'tenant', access.tenant.name, {
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
    const memberships = await new MembershipRepository(this.prisma.client).list(access.scope);
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
    return this.cache.invalidating(
      this.prisma.client.$transaction(async (tx) => {
        const user = await tx.user.findUnique({ where: { email: email.toLowerCase() } });
        if (!user) throw notFound('user', email);
        const memberships = new MembershipRepository(tx);
        const existing = await memberships.findByUserId(access.scope, user.id);
        if ((role === 'owner' || existing?.role === 'owner') && !roleAtLeast(access.role, 'owner')) {
          throw forbidden('only an owner can grant or change the owner role');
        }
        if (existing?.role === 'owner' && role !== 'owner')
          await this.assertAnotherOwner(tx, access, user.id);
        const membership = await memberships.put(access.scope, user.id, role);
        await new AuditRepository(tx).record(
          access.scope,
          auditEntry(principal, requestId, existing ? 'member.update' : 'member.add', 'member', user.email, {
            role,
            previousRole: existing?.role ?? null,
          }),
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
    return this.cache.invalidating(
      this.prisma.client.$transaction(async (tx) => {
        const memberships = new MembershipRepository(tx);
        const membership = await memberships.findByEmail(access.scope, email.toLowerCase());
        if (!membership) throw notFound('member', email);
        if (membership.role === 'owner') {
          if (!roleAtLeast(access.role, 'owner')) throw forbidden('only an owner can remove an owner');
          await this.assertAnotherOwner(tx, access, membership.userId);
        }
        await memberships.delete(access.scope, membership.id);
        await new AuditRepository(tx).record(
          access.scope,
          auditEntry(principal, requestId, 'member.remove', 'member', membership.user.email, {
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

  private async assertAnotherOwner(tx: Db, access: TenantAccess, leavingUserId: string): Promise<void> {
    const others = await new MembershipRepository(tx).countOwnersOtherThan(access.scope, leavingUserId);
    if (others === 0) throw conflict('tenant/last_owner', 'a tenant must keep at least one owner');
  }
}
