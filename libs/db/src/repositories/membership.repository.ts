import type { Db } from '../prisma-client';
import type { TenantScope } from '../tenant-scope';
import type { Membership, Role, Tenant, User } from '../generated/prisma/client';

/**
 * Who belongs to which tenant, with what role. Reads for a principal take the user id: they are
 * how a caller's tenants are found, before any tenant scope exists. Everything else is per tenant.
 */
export class MembershipRepository {
  constructor(private readonly db: Db) {}

  /** The principal's membership in the tenant of that name: the access resolver's question. */
  async findForUser(
    userId: string,
    tenantName: string,
  ): Promise<{ tenant: { id: string; name: string }; role: Role } | null> {
    const row = await this.db.membership.findFirst({
      where: { userId, tenant: { name: tenantName } },
      select: { role: true, tenant: { select: { id: true, name: true } } },
    });
    return row ? { tenant: row.tenant, role: row.role } : null;
  }

  /** The principal's memberships, by tenant name; `onlyTenantId` for a token limited to one tenant. */
  listForUser(userId: string, onlyTenantId: string | null): Promise<(Membership & { tenant: Tenant })[]> {
    return this.db.membership.findMany({
      where: { userId, ...(onlyTenantId ? { tenantId: onlyTenantId } : {}) },
      include: { tenant: true },
      orderBy: { tenant: { name: 'asc' } },
    });
  }

  list(scope: TenantScope): Promise<(Membership & { user: User })[]> {
    return this.db.membership.findMany({
      where: { tenantId: scope.tenantId },
      include: { user: true },
      orderBy: { user: { email: 'asc' } },
    });
  }

  findByUserId(scope: TenantScope, userId: string): Promise<Membership | null> {
    return this.db.membership.findUnique({
      where: { tenantId_userId: { tenantId: scope.tenantId, userId } },
    });
  }

  findByEmail(scope: TenantScope, email: string): Promise<(Membership & { user: User }) | null> {
    return this.db.membership.findFirst({
      where: { tenantId: scope.tenantId, user: { email } },
      include: { user: true },
    });
  }

  put(scope: TenantScope, userId: string, role: Role): Promise<Membership> {
    return this.db.membership.upsert({
      where: { tenantId_userId: { tenantId: scope.tenantId, userId } },
      create: { tenantId: scope.tenantId, userId, role },
      update: { role },
    });
  }

  async delete(scope: TenantScope, id: string): Promise<void> {
    await this.db.membership.deleteMany({ where: { id, tenantId: scope.tenantId } });
  }

  countOwnersOtherThan(scope: TenantScope, userId: string): Promise<number> {
    return this.db.membership.count({
      where: { tenantId: scope.tenantId, role: 'owner', userId: { not: userId } },
    });
  }
}
