import type { Redis } from 'ioredis';
import { certificatesKey, publishWake, type EdgeCertificate } from '@nimbus/cluster';
import { certificateKeyLocation, sealForEdge, type TenantKeyring } from '@nimbus/crypto';
import {
  CertificateRepository,
  loadTenantKey,
  type Db,
  type SystemScope,
  type TenantScope,
} from '@nimbus/db';
import { servedHosts } from '@nimbus/domain';

/** Written for a certificate that serves none of its app's hosts: there is no entry. */
const NOT_SERVED = '';

/**
 * The routers' certificates (see `@nimbus/cluster`): each app certificate that covers some of
 * the app's hosts, with those hosts, its key opened with the tenant's key and sealed again with
 * the edge key. A certificate is only opened and written when what it serves changed.
 */
export class CertificatesPublisher {
  /** Certificate id → its fingerprint and the hosts it was written for. */
  private readonly published = new Map<string, string>();
  private readonly certificatesOfApp = new Map<string, Set<string>>();

  constructor(
    private readonly system: SystemScope,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly keyring: TenantKeyring,
    private readonly edgeKey: Buffer,
  ) {}

  /** After a change of leader: what is in Redis may be stale, so everything is written again. */
  forget(): void {
    this.published.clear();
    this.certificatesOfApp.clear();
  }

  /** Publishes the certificates of an app answering on `hosts`. */
  async reconcile(db: Db, scope: TenantScope, appId: string, hosts: ReadonlySet<string>): Promise<void> {
    const certificates = await new CertificateRepository(db).listForApp(scope, appId);
    const servedBy = servedHosts(certificates, hosts);
    const served = new Set<string>();
    let tenantKey: Awaited<ReturnType<typeof loadTenantKey>> | undefined;
    for (const certificate of certificates) {
      const serves = servedBy.get(certificate.id);
      if (!serves) {
        if (this.published.get(certificate.id) !== NOT_SERVED) await this.remove(certificate.id);
        this.published.set(certificate.id, NOT_SERVED);
        continue;
      }
      served.add(certificate.id);
      const signature = `${certificate.fingerprint} ${serves.join(' ')}`;
      if (this.published.get(certificate.id) === signature) continue;
      tenantKey ??= await loadTenantKey(db, scope);
      const key = this.keyring.open(
        tenantKey,
        certificateKeyLocation(scope.tenantId, certificate.id),
        certificate.keyCiphertext,
      );
      const entry: EdgeCertificate = {
        appId,
        serves,
        fingerprint: certificate.fingerprint,
        sealed: sealForEdge(this.edgeKey, certificate.id, `${certificate.chainPem}${key}`),
      };
      await this.redis.hset(certificatesKey(this.prefix), certificate.id, JSON.stringify(entry));
      await publishWake(this.redis, this.prefix, { to: 'routers', certificate: certificate.id });
      this.published.set(certificate.id, signature);
    }
    for (const id of this.certificatesOfApp.get(appId) ?? []) if (!served.has(id)) await this.remove(id);
    this.certificatesOfApp.set(appId, served);
  }

  /** The app is gone: so are its certificates. */
  async removeApp(appId: string): Promise<void> {
    for (const id of this.certificatesOfApp.get(appId) ?? []) await this.remove(id);
    this.certificatesOfApp.delete(appId);
  }

  /** Removes the entries of certificates that no longer exist. */
  async collect(db: Db): Promise<void> {
    const existing = new Set(await new CertificateRepository(db).listIds(this.system));
    const stale = (await this.redis.hkeys(certificatesKey(this.prefix))).filter((id) => !existing.has(id));
    for (const id of stale) await this.remove(id);
  }

  private async remove(id: string): Promise<void> {
    await this.redis.hdel(certificatesKey(this.prefix), id);
    await publishWake(this.redis, this.prefix, { to: 'routers', certificate: id });
    this.published.delete(id);
  }
}
