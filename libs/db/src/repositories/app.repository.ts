import type { Db } from '../prisma-client';
import type { SystemScope, TenantScope } from '../tenant-scope';
import { Prisma, type App, type RuntimeKind } from '../generated/prisma/client';
import { STATUS_FACTS_SQL, type AppStatusRow } from './app-status-facts';

const APP_OWNERS = { namespace: true, tenant: true } satisfies Prisma.AppInclude;
const APP_CONTEXT = { ...APP_OWNERS, formations: true } satisfies Prisma.AppInclude;
/** What the routers' entry of an app is made of: its names, and whether `web` may sit at zero. */
const APP_ROUTE = {
  ...APP_OWNERS,
  autoscalers: { where: { processType: 'web' }, select: { minReplicas: true } },
} satisfies Prisma.AppInclude;
/** An app with its owners and its `web` autoscaler, if any. */
export type AppRoute = Prisma.AppGetPayload<{ include: typeof APP_ROUTE }>;
/** An app with its namespace and tenant. */
export type AppWithOwners = Prisma.AppGetPayload<{ include: typeof APP_OWNERS }>;
/** An app with its namespace, tenant and formations: what the orchestrator reconciles. */
export type AppWithContext = Prisma.AppGetPayload<{ include: typeof APP_CONTEXT }>;

const STATUS_FACTS = Prisma.raw(STATUS_FACTS_SQL);

/** Apps of one tenant, addressed within a namespace. */
export class AppRepository {
  constructor(private readonly db: Db) {}

  findById(scope: TenantScope, id: string): Promise<App | null> {
    return this.db.app.findUnique({ where: { id_tenantId: { id, tenantId: scope.tenantId } } });
  }

  findByName(scope: TenantScope, namespaceId: string, name: string): Promise<App | null> {
    return this.db.app.findFirst({ where: { tenantId: scope.tenantId, namespaceId, name } });
  }

  create(
    scope: TenantScope,
    namespaceId: string,
    name: string,
    runtime: RuntimeKind = 'process',
  ): Promise<App> {
    return this.db.app.create({ data: { tenantId: scope.tenantId, namespaceId, name, runtime } });
  }

  delete(scope: TenantScope, id: string): Promise<App> {
    return this.db.app.delete({ where: { id_tenantId: { id, tenantId: scope.tenantId } } });
  }

  setRuntime(scope: TenantScope, id: string, runtime: RuntimeKind): Promise<App> {
    return this.db.app.update({
      where: { id_tenantId: { id, tenantId: scope.tenantId } },
      data: { runtime },
    });
  }

  /** Whether plain HTTP to the app's hosts is answered with a redirect to HTTPS. */
  setHttpsRedirect(scope: TenantScope, id: string, enabled: boolean): Promise<App> {
    return this.db.app.update({
      where: { id_tenantId: { id, tenantId: scope.tenantId } },
      data: { httpsRedirect: enabled },
    });
  }

  /** The app's config version, read inside the transaction that may have just moved it on. */
  async configVersion(scope: TenantScope, id: string): Promise<number> {
    const app = await this.db.app.findUniqueOrThrow({
      where: { id_tenantId: { id, tenantId: scope.tenantId } },
      select: { configVersion: true },
    });
    return app.configVersion;
  }

  /** The namespace's other apps: what a relative submodule URL may name. */
  async listSiblings(scope: TenantScope, id: string): Promise<Pick<App, 'id' | 'name'>[]> {
    const { namespaceId } = await this.db.app.findUniqueOrThrow({
      where: { id_tenantId: { id, tenantId: scope.tenantId } },
      select: { namespaceId: true },
    });
    return this.db.app.findMany({
      where: { tenantId: scope.tenantId, namespaceId, id: { not: id } },
      select: { id: true, name: true },
    });
  }

  /** The app's effective environment moved on; returns its new config version. */
  async bumpConfigVersion(scope: TenantScope, id: string): Promise<number> {
    const { configVersion } = await this.db.app.update({
      where: { id_tenantId: { id, tenantId: scope.tenantId } },
      data: { configVersion: { increment: 1 } },
      select: { configVersion: true },
    });
    return configVersion;
  }

  /** The tenant's apps that have a release, in one namespace or one app when given. */
  listDeployed(scope: TenantScope, within: { namespaceId?: string; appId?: string } = {}): Promise<App[]> {
    return this.db.app.findMany({
      where: {
        tenantId: scope.tenantId,
        currentReleaseVersion: { not: null },
        ...(within.namespaceId ? { namespaceId: within.namespaceId } : {}),
        ...(within.appId ? { id: within.appId } : {}),
      },
    });
  }

  /** The tenant's own config changed: every app's effective environment moved on. */
  async bumpAllConfigVersions(scope: TenantScope): Promise<void> {
    await this.db.app.updateMany({
      where: { tenantId: scope.tenantId },
      data: { configVersion: { increment: 1 } },
    });
  }
  /** The control plane's: any tenant's app, with what its reconcile needs. */
  findForReconcile(_system: SystemScope, id: string): Promise<AppWithContext | null> {
    return this.db.app.findUnique({ where: { id }, include: APP_CONTEXT });
  }

  /** The control plane's: any tenant's app, with the names its hostname is made of. */
  findWithOwners(_system: SystemScope, id: string): Promise<AppWithOwners | null> {
    return this.db.app.findUnique({ where: { id }, include: APP_OWNERS });
  }

  /** The control plane's: what the routers' table says of the app. */
  findRoute(_system: SystemScope, id: string): Promise<AppRoute | null> {
    return this.db.app.findUnique({ where: { id }, include: APP_ROUTE });
  }

  /** The control plane's: every app of every tenant, with the names its hostname is made of. */
  listWithOwners(_system: SystemScope): Promise<AppWithOwners[]> {
    return this.db.app.findMany({ include: APP_OWNERS });
  }

  /** The control plane's: the id of every app of every tenant. */
  async listIds(_system: SystemScope): Promise<string[]> {
    const apps = await this.db.app.findMany({ select: { id: true } });
    return apps.map((app) => app.id);
  }

  /**
   * What each app's status is made of (see `appStatus` in @nimbus/domain), for many apps in one
   * query: a list of apps must not cost a query per app, nor Prisma's per-list `IN` compilation.
   */
  statusFacts(scope: TenantScope, appIds: string[]): Promise<AppStatusRow[]> {
    if (appIds.length === 0) return Promise.resolve([]);
    return this.db.$queryRaw<AppStatusRow[]>`
      SELECT a.id AS "appId", ${STATUS_FACTS}
      FROM "App" a
      WHERE a."tenantId" = ${scope.tenantId}::uuid AND a.id = ANY(${appIds}::uuid[])`;
  }
}
