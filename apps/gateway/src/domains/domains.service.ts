import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { AuditRepository, DomainRepository, type App, type Domain, type SystemScope } from '@nimbus/db';
import { coveringWildcard, domainFamily, parseCustomDomain, wildcardCovers } from '@nimbus/domain';
import { auditEntry } from '../audit/audit-entry';
import type { Principal, TenantAccess } from '../auth/principal';
import { ProblemException, notFound } from '../common/problem';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { ClusterEventsService } from '../infra/cluster-events.service';
import { PrismaService } from '../infra/prisma.service';
import { SYSTEM_SCOPE } from '../infra/system-scope.module';

const present = (domain: Domain) => ({
  hostname: domain.hostname,
  createdAt: domain.createdAt.toISOString(),
});

/**
 * An app's custom domains. A name belongs to one app on the whole platform, and no tenant may
 * take a name that shadows another tenant's (a wildcard over their name, a name under their
 * wildcard): such a claim is refused with the same answer as any unavailable name, so it tells
 * nothing of whose it is.
 */
@Injectable()
export class DomainsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly events: ClusterEventsService,
    @Inject(SYSTEM_SCOPE) private readonly system: SystemScope,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async list(access: TenantAccess, app: App) {
    return (await new DomainRepository(this.prisma.client).listForApp(access.scope, app.id)).map(present);
  }

  async add(principal: Principal, access: TenantAccess, app: App, input: string, requestId: string | null) {
    const parsed = parseCustomDomain(input, this.config.NIMBUS_DOMAIN);
    if (!parsed.ok) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'request/invalid', `domain ${parsed.reason}`, [
        { field: 'body.hostname', message: parsed.reason },
      ]);
    }
    const { hostname } = parsed;
    const created = await this.prisma.client.$transaction(async (tx) => {
      const domains = new DomainRepository(tx);
      await domains.lockFamily(this.system, domainFamily(hostname));
      const wildcard = hostname.startsWith('*.');
      const near = await domains.claimsNear(
        this.system,
        [hostname, coveringWildcard(hostname)].filter((name): name is string => name !== null),
        wildcard ? hostname.slice(2) : null,
      );
      const clashes = near.filter(
        (claim) => claim.hostname === hostname || !wildcard || wildcardCovers(hostname, claim.hostname),
      );
      const exact = clashes.find((claim) => claim.hostname === hostname);
      if (exact && exact.tenantId === access.tenant.id) {
        throw new ProblemException(
          HttpStatus.CONFLICT,
          'domain/exists',
          exact.appId === app.id
            ? `${hostname} is already a domain of this app`
            : `${hostname} is already a domain of another app of ${access.tenant.name}: remove it there first`,
        );
      }
      // Another tenant's name, or one a wildcard and a name of two tenants would share.
      if (clashes.some((claim) => claim.tenantId !== access.tenant.id)) {
        throw new ProblemException(
          HttpStatus.CONFLICT,
          'domain/unavailable',
          `${hostname} cannot be added: it is not available`,
        );
      }
      const domain = await domains.create(access.scope, app.id, hostname);
      await new AuditRepository(tx).record(
        access.scope,
        auditEntry(principal, requestId, 'domain.add', 'app', app.name, { hostname }),
      );
      return domain;
    });
    this.events.wakeApp(app.id);
    return present(created);
  }

  async remove(
    principal: Principal,
    access: TenantAccess,
    app: App,
    input: string,
    requestId: string | null,
  ) {
    const hostname = input.trim().toLowerCase().replace(/\.$/, '');
    const removed = await this.prisma.client.$transaction(async (tx) => {
      const domain = await new DomainRepository(tx).delete(access.scope, app.id, hostname);
      if (!domain) throw notFound('domain', hostname);
      await new AuditRepository(tx).record(
        access.scope,
        auditEntry(principal, requestId, 'domain.remove', 'app', app.name, { hostname }),
      );
      return domain;
    });
    this.events.wakeApp(app.id);
    return present(removed);
  }
}
