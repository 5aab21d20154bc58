import { Injectable } from '@nestjs/common';
import { AppRepository, AuditRepository, type App } from '@nimbus/db';
import { conflict, notFound } from '../common/problem';
import { requireNamespace } from '../common/access-targets';
import { PrismaService } from '../infra/prisma.service';
import { AuditService } from '../audit/audit.service';
import { GitRepositoriesService } from '../git/git-repositories.service';
import type { Principal, TenantAccess } from '../auth/principal';

export const presentApp = (app: App, access: TenantAccess) => ({
  id: app.id,
  name: app.name,
  namespace: requireNamespace(access).name,
  tenant: access.tenant.name,
  configVersion: app.configVersion,
  createdAt: app.createdAt.toISOString(),
  updatedAt: app.updatedAt.toISOString(),
});

@Injectable()
export class AppsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
    private readonly repositories: GitRepositoriesService,
  ) {}

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
    const apps = await new AppRepository(this.prisma.client).list(access.scope, requireNamespace(access).id);
    return apps.map((app) => presentApp(app, access));
  }

  async create(principal: Principal, access: TenantAccess, name: string, requestId: string | null) {
    const namespace = requireNamespace(access);
    return this.prisma.client.$transaction(async (tx) => {
      const apps = new AppRepository(tx);
      if (await apps.findByName(access.scope, namespace.id, name)) {
        throw conflict(
          'app/exists',
          `app "${name}" already exists in ${access.tenant.name}/${namespace.name}`,
        );
      }
      const app = await apps.create(access.scope, namespace.id, name);
      await new AuditRepository(tx).record(
        access.scope,
        this.audit.entry(principal, requestId, 'app.create', 'app', `${namespace.name}/${name}`),
      );
      return presentApp(app, access);
    });
  }

  async destroy(principal: Principal, access: TenantAccess, name: string, requestId: string | null) {
    const app = await this.find(access, name);
    const deleted = await this.prisma.client.$transaction(async (tx) => {
      await new AppRepository(tx).delete(access.scope, app.id);
      await new AuditRepository(tx).record(
        access.scope,
        this.audit.entry(
          principal,
          requestId,
          'app.delete',
          'app',
          `${requireNamespace(access).name}/${name}`,
        ),
      );
      return presentApp(app, access);
    });
    // After the commit: a failure here leaves an orphaned directory, never a repository-less app.
    await this.repositories.remove(access.scope.tenantId, app.id);
    return deleted;
  }
}
