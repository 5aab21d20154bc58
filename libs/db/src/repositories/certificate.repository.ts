import type { Db } from '../prisma-client';
import type { SystemScope, TenantScope } from '../tenant-scope';
import type { Certificate } from '../generated/prisma/client';

/** A certificate as checked on upload, its key already sealed under the tenant's data key. */
export type NewCertificate = Omit<Certificate, 'tenantId' | 'appId' | 'expiryWarnedAt' | 'createdAt'>;

/** A certificate as a warning about it speaks of it. */
export type CertificateSummary = Pick<Certificate, 'id' | 'tenantId' | 'appId' | 'name' | 'hostnames'>;

/** A certificate soon to expire, with the names its warning speaks of. */
export type ExpiringCertificate = CertificateSummary & Pick<Certificate, 'notAfter'>;

/**
 * TLS certificates of apps. The tenant reads and changes its own; the control plane reads every
 * tenant's to seal them for the routers and to warn of their expiry.
 */
export class CertificateRepository {
  constructor(private readonly db: Db) {}

  /** Oldest first: the order they were added in. */
  listForApp(scope: TenantScope, appId: string): Promise<Certificate[]> {
    return this.db.certificate.findMany({
      where: { tenantId: scope.tenantId, appId },
      orderBy: [{ createdAt: 'asc' }, { name: 'asc' }],
    });
  }

  /**
   * Serialises additions to one app's certificates until the transaction ends, so a check that a
   * fingerprint or a name is not yet taken still holds when the row goes in.
   */
  async lockApp(scope: TenantScope, appId: string): Promise<void> {
    const lock = `certificate:${scope.tenantId}:${appId}`;
    await this.db.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${lock}, 0))`;
  }

  create(scope: TenantScope, appId: string, certificate: NewCertificate): Promise<Certificate> {
    return this.db.certificate.create({ data: { ...certificate, tenantId: scope.tenantId, appId } });
  }

  /** Removes the app's certificate called `name`; null when it has none. */
  async delete(scope: TenantScope, appId: string, name: string): Promise<Certificate | null> {
    const found = await this.db.certificate.findFirst({ where: { tenantId: scope.tenantId, appId, name } });
    if (!found) return null;
    await this.db.certificate.delete({ where: { id: found.id } });
    return found;
  }

  /** The control plane's: the id of every certificate, for the routers' table collected whole. */
  async listIds(_system: SystemScope): Promise<string[]> {
    const certificates = await this.db.certificate.findMany({ select: { id: true } });
    return certificates.map((certificate) => certificate.id);
  }

  /** The control plane's: every certificate, oldest first. */
  listAll(_system: SystemScope): Promise<CertificateSummary[]> {
    return this.db.certificate.findMany({
      select: { id: true, tenantId: true, appId: true, name: true, hostnames: true },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
  }

  /** The control plane's: certificates expiring before `before` whose warning is not yet recorded. */
  listUnwarnedExpiring(_system: SystemScope, before: Date): Promise<ExpiringCertificate[]> {
    return this.db.certificate.findMany({
      where: { notAfter: { lt: before }, expiryWarnedAt: null },
      select: { id: true, tenantId: true, appId: true, name: true, hostnames: true, notAfter: true },
      orderBy: { notAfter: 'asc' },
    });
  }

  /** True when this call recorded the warning (another leader's pass may have done it first). */
  async markExpiryWarned(_system: SystemScope, id: string, at: Date): Promise<boolean> {
    const { count } = await this.db.certificate.updateMany({
      where: { id, expiryWarnedAt: null },
      data: { expiryWarnedAt: at },
    });
    return count === 1;
  }
}
