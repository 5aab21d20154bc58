import { Inject, Injectable } from '@nestjs/common';
import { AppRepository, AuditRepository, InstanceRepository, type App, type RuntimeKind } from '@nimbus/db';
import { appUrl, type AppStatus } from '@nimbus/domain';
import { containerSupport } from '@nimbus/sandbox';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { ClusterEventsService } from '../infra/cluster-events.service';
import { conflict, notFound } from '../common/problem';
import { requireNamespace } from '../common/access-targets';
import { PrismaService } from '../infra/prisma.service';
import { auditEntry } from '../audit/audit-entry';
import { AppListCache } from './app-list.cache';
import { readAppStatuses, statusOfListed } from './app-statuses';
import { GitRepositoriesService } from '../git/git-repositories.service';
import type { Principal, TenantAccess } from '../auth/principal';

@Injectable()
export class AppsService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly events: ClusterEventsService,
    private readonly prisma: PrismaService,
    private readonly repositories: GitRepositoriesService,
    private readonly lists: AppListCache,
  ) {}

  private autoRuntime?: Promise<RuntimeKind>;

  /** Isolation by default: `oci` wherever runc runs (asked once), unless configured otherwise. */
  private defaultRuntime(): Promise<RuntimeKind> {
    const configured = this.config.NIMBUS_DEFAULT_RUNTIME;
    if (configured !== 'auto') return Promise.resolve(configured);
    this.autoRuntime ??= containerSupport().then((support) => (support.available ? 'oci' : 'process'));
    return this.autoRuntime;
  }

  /** The app named in the URL, inside the namespace the guard resolved; 404 otherwise. */
  async find(access: TenantAccess, name: string): Promise<App> {
    const app = await new AppRepository(this.prisma.client).findByName(
      access.scope,
      requireNamespace(access).id,
      name,
    );
    if (!app) throw notFound('app', name);
    return app;
  }

  async list(access: TenantAccess) {
    const apps = await this.lists.list(access.scope, requireNamespace(access).id);
    return apps.map((app) => this.present(app, access, statusOfListed(app)));
  }

  /** One app as the API shows it, with how it is doing now. */
  async describe(app: App, access: TenantAccess) {
    const statuses = await readAppStatuses(this.prisma.client, access.scope, [app]);
    return this.present(app, access, statuses.get(app.id) ?? 'undeployed');
  }

  private present(app: App, access: TenantAccess, status: AppStatus) {
    const namespace = requireNamespace(access).name;
    return {
      id: app.id,
      name: app.name,
      namespace,
      tenant: access.tenant.name,
      configVersion: app.configVersion,
      currentRelease: app.currentReleaseVersion,
      runtime: app.runtime,
      status,
      url: appUrl(
        { tenant: access.tenant.name, namespace, app: app.name },
        this.config.NIMBUS_DOMAIN,
        this.config.NIMBUS_ROUTER_PORT,
      ),
      createdAt: app.createdAt.toISOString(),
      updatedAt: app.updatedAt.toISOString(),
    };
  }

  /** Changes how the app's instances run; they are replaced one by one, like a deploy. */
  async update(
    principal: Principal,
    access: TenantAccess,
    app: App,
    runtime: RuntimeKind,
    requestId: string | null,
  ) {
    if (app.runtime === runtime) return this.describe(app, access);
    const updated = await this.prisma.client.$transaction(async (tx) => {
      const changed = await new AppRepository(tx).setRuntime(access.scope, app.id, runtime);
      await new InstanceRepository(tx).evictServices(access.scope, app.id);
      await new AuditRepository(tx).record(
        access.scope,
        auditEntry(
          principal,
          requestId,
          'app.update',
          'app',
          `${requireNamespace(access).name}/${app.name}`,
          {
            runtime,
          },
        ),
      );
      return changed;
    });
    this.events.wakeApp(app.id);
    return this.describe(updated, access);
  }

  async create(
    principal: Principal,
    access: TenantAccess,
    name: string,
    requested: RuntimeKind | undefined,
    requestId: string | null,
  ) {
    const namespace = requireNamespace(access);
    const runtime = requested ?? (await this.defaultRuntime());
    return this.prisma.client.$transaction(async (tx) => {
      const apps = new AppRepository(tx);
      if (await apps.findByName(access.scope, namespace.id, name)) {
        throw conflict(
          'app/exists',
          `app "${name}" already exists in ${access.tenant.name}/${namespace.name}`,
        );
      }
      const app = await apps.create(access.scope, namespace.id, name, runtime);
      await new AuditRepository(tx).record(
        access.scope,
        auditEntry(principal, requestId, 'app.create', 'app', `${namespace.name}/${name}`),
      );
      return this.present(app, access, 'undeployed');
    });
  }

  async destroy(principal: Principal, access: TenantAccess, app: App, requestId: string | null) {
    // As it was when it went.
    const before = await this.describe(app, access);
    await this.prisma.client.$transaction(async (tx) => {
      await new AppRepository(tx).delete(access.scope, app.id);
      await new AuditRepository(tx).record(
        access.scope,
        auditEntry(principal, requestId, 'app.delete', 'app', `${requireNamespace(access).name}/${app.name}`),
      );
    });
    this.events.wakeApp(app.id);
    // After the commit: a failure here leaves an orphaned directory, never a repository-less app.
    await this.repositories.remove(access.scope.tenantId, app.id);
    return before;
  }
}
