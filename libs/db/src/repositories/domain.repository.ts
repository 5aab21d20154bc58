import type { Db } from '../prisma-client';
import type { SystemScope, TenantScope } from '../tenant-scope';
import type { Domain } from '../generated/prisma/client';

/** A claim on a name, with whose it is: enough to decide a conflict, nothing to show. */
export interface DomainOwner {
  hostname: string;
  tenantId: string;
  appId: string;
}

/**
 * Custom domains. An app's own are read and changed in its tenant's scope; whether a name is
 * free is a question about every tenant's, which only the gateway's check may ask (system scope)
 * and whose answer it never shows.
 */
export class DomainRepository {
  constructor(private readonly db: Db) {}

  listForApp(scope: TenantScope, appId: string): Promise<Domain[]> {
    return this.db.domain.findMany({
      where: { tenantId: scope.tenantId, appId },
      orderBy: { hostname: 'asc' },
    });
  }

  /** Every custom host name of every app (the routers' table, collected whole). */
  listAll(_system: SystemScope): Promise<Pick<Domain, 'appId' | 'hostname'>[]> {
    return this.db.domain.findMany({ select: { appId: true, hostname: true } });
  }

  /**
   * Serialises claims on one family of names (see `domainFamily`) until the transaction ends, so
   * two tenants cannot each check and then both take names that shadow each other.
   */
  async lockFamily(_system: SystemScope, family: string): Promise<void> {
    await this.db.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`domain:${family}`}, 0))`;
  }

  /** Every claim on `hostname` itself, on the wildcard covering it, and on names it covers. */
  claimsNear(_system: SystemScope, hostnames: string[], coveredBy: string | null): Promise<DomainOwner[]> {
    return this.db.domain.findMany({
      where: {
        OR: [
          { hostname: { in: hostnames } },
          ...(coveredBy ? [{ hostname: { endsWith: `.${coveredBy}` } }] : []),
        ],
      },
      select: { hostname: true, tenantId: true, appId: true },
    });
  }

  create(scope: TenantScope, appId: string, hostname: string): Promise<Domain> {
    return this.db.domain.create({ data: { tenantId: scope.tenantId, appId, hostname } });
  }

  /** Removes the app's claim on `hostname`; null when it has none. */
  async delete(scope: TenantScope, appId: string, hostname: string): Promise<Domain | null> {
    const found = await this.db.domain.findFirst({ where: { tenantId: scope.tenantId, appId, hostname } });
    if (!found) return null;
    await this.db.domain.delete({ where: { id: found.id } });
    return found;
  }
}
