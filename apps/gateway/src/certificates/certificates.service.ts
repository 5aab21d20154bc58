import { randomUUID } from 'node:crypto';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { certificateKeyLocation, inspectCertificate } from '@nimbus/crypto';
import {
  AppRepository,
  AuditRepository,
  CertificateRepository,
  DomainRepository,
  type App,
  type Certificate,
} from '@nimbus/db';
import { appHostname, servedHosts } from '@nimbus/domain';
import { auditEntry } from '../audit/audit-entry';
import type { Principal, TenantAccess } from '../auth/principal';
import { requireNamespace } from '../common/access-targets';
import { ProblemException, conflict, notFound } from '../common/problem';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { ClusterEventsService } from '../infra/cluster-events.service';
import { KeyringService } from '../infra/keyring.service';
import { PrismaService } from '../infra/prisma.service';
import type { AddCertificateDto } from './dto/certificate.dto';

/** `cert-` and the fingerprint's first 8 hex digits, or 16 when another's start is the same. */
function certificateName(fingerprint: string, taken: ReadonlySet<string>): string {
  const names = [8, 16, fingerprint.length].map((digits) => `cert-${fingerprint.slice(0, digits)}`);
  // The full fingerprint is free: the same one on this app was refused before.
  return names.find((name) => !taken.has(name)) ?? names[names.length - 1]!;
}

/** The key and chain stay out: what anyone who may read the app may see. */
const present = (certificate: Certificate, serves: string[]) => ({
  name: certificate.name,
  hostnames: certificate.hostnames,
  subject: certificate.subject,
  issuer: certificate.issuer,
  notBefore: certificate.notBefore.toISOString(),
  notAfter: certificate.notAfter.toISOString(),
  fingerprint: certificate.fingerprint,
  createdAt: certificate.createdAt.toISOString(),
  serves,
});

/** An audit entry about one of the app's certificates, named with the hosts it is for. */
const certificateAudit = (
  principal: Principal,
  requestId: string | null,
  action: 'certificate.add' | 'certificate.remove',
  app: App,
  certificate: Certificate,
) =>
  auditEntry(principal, requestId, action, 'app', app.name, {
    name: certificate.name,
    hostnames: certificate.hostnames,
  });

/**
 * An app's TLS certificates and whether it redirects HTTP to HTTPS. The private key is checked
 * against its certificate and sealed under the tenant's data key before it is stored; it is never
 * shown, logged or audited. The orchestrator is woken after each change to republish to routers.
 */
@Injectable()
export class CertificatesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly keyring: KeyringService,
    private readonly events: ClusterEventsService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async list(access: TenantAccess, app: App) {
    const certificates = await new CertificateRepository(this.prisma.client).listForApp(access.scope, app.id);
    const served = servedHosts(certificates, await this.hostsOf(access, app));
    return certificates.map((certificate) => present(certificate, served.get(certificate.id) ?? []));
  }

  async add(
    principal: Principal,
    access: TenantAccess,
    app: App,
    input: AddCertificateDto,
    requestId: string | null,
  ) {
    const check = inspectCertificate(input.certificate, input.key);
    if (!check.ok) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'request/invalid',
        `certificate refused: ${check.reason}`,
        [{ field: `body.${check.input}`, message: check.reason }],
      );
    }
    const { facts } = check;
    const id = randomUUID();
    const created = await this.prisma.client.$transaction(async (tx) => {
      const certificates = new CertificateRepository(tx);
      await certificates.lockApp(access.scope, app.id);
      const existing = await certificates.listForApp(access.scope, app.id);
      const same = existing.find((certificate) => certificate.fingerprint === facts.fingerprint);
      if (same) {
        throw conflict('certificate/exists', `this certificate is already ${same.name} of ${app.name}`);
      }
      const tenantKey = await this.keyring.loadTenantKey(tx, access.scope);
      const certificate = await certificates.create(access.scope, app.id, {
        id,
        name: certificateName(facts.fingerprint, new Set(existing.map((certificate) => certificate.name))),
        hostnames: facts.hostnames,
        subject: facts.subject,
        issuer: facts.issuer,
        notBefore: facts.notBefore,
        notAfter: facts.notAfter,
        fingerprint: facts.fingerprint,
        chainPem: facts.chainPem,
        keyCiphertext: new Uint8Array(
          this.keyring.seal(tenantKey, certificateKeyLocation(tenantKey.id, id), check.keyPem),
        ),
      });
      await new AuditRepository(tx).record(
        access.scope,
        certificateAudit(principal, requestId, 'certificate.add', app, certificate),
      );
      return certificate;
    });
    this.events.wakeApp(app.id);
    const certificates = await new CertificateRepository(this.prisma.client).listForApp(access.scope, app.id);
    const served = servedHosts(certificates, await this.hostsOf(access, app));
    return present(created, served.get(created.id) ?? []);
  }

  async remove(principal: Principal, access: TenantAccess, app: App, name: string, requestId: string | null) {
    const removed = await this.prisma.client.$transaction(async (tx) => {
      const certificate = await new CertificateRepository(tx).delete(access.scope, app.id, name);
      if (!certificate) throw notFound('certificate', name);
      await new AuditRepository(tx).record(
        access.scope,
        certificateAudit(principal, requestId, 'certificate.remove', app, certificate),
      );
      return certificate;
    });
    this.events.wakeApp(app.id);
    // Gone: it serves nothing any more.
    return present(removed, []);
  }

  httpsRedirect(app: App) {
    return { enabled: app.httpsRedirect };
  }

  async setHttpsRedirect(
    principal: Principal,
    access: TenantAccess,
    app: App,
    enabled: boolean,
    requestId: string | null,
  ) {
    const updated = await this.prisma.client.$transaction(async (tx) => {
      const changed = await new AppRepository(tx).setHttpsRedirect(access.scope, app.id, enabled);
      await new AuditRepository(tx).record(
        access.scope,
        auditEntry(principal, requestId, 'app.https-redirect', 'app', app.name, { enabled }),
      );
      return changed;
    });
    this.events.wakeApp(app.id);
    return { enabled: updated.httpsRedirect };
  }

  /** Every name the app answers on: its platform host and its custom domains. */
  private async hostsOf(access: TenantAccess, app: App): Promise<string[]> {
    const platform = appHostname(
      { tenant: access.tenant.name, namespace: requireNamespace(access).name, app: app.name },
      this.config.NIMBUS_DOMAIN,
    );
    const domains = await new DomainRepository(this.prisma.client).listForApp(access.scope, app.id);
    return [platform, ...domains.map((domain) => domain.hostname)];
  }
}
