import type { Redis } from 'ioredis';
import { encodeAppEndpoints, endpointsKey, publishWake } from '@nimbus/cluster';
import {
  AppRepository,
  DomainRepository,
  InstanceRepository,
  scopeOfRow,
  type AppWithOwners,
  type Db,
  type SystemScope,
} from '@nimbus/db';
import { appHostname } from '@nimbus/domain';
import type { CertificatesPublisher } from './certificates.publisher';
import { webEndpoints } from './web-endpoints';

/**
 * The endpoints reconciler: each app's ready `web` instances on ready nodes, not draining, as
 * the routers' table, with whether a request finding none is held (`web` may be at zero on
 * purpose, its autoscaler's minimum being 0, and routers then ask for an instance; or instances
 * are starting), under the app's platform host and each of its custom domains, and whether plain
 * HTTP to it is redirected to HTTPS; with them, the certificates of the app that cover those
 * hosts. Only changes are written, and each is announced so routers update at once.
 */
export class EndpointsReconciler {
  private readonly published = new Map<string, string>();
  /** The hosts written for each app, so a domain removed from it leaves the table too. */
  private readonly hostsOfApp = new Map<string, Set<string>>();

  constructor(
    private readonly system: SystemScope,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly domain: string,
    /** Absent without an edge key: apps' certificates are then not served. */
    private readonly certificates?: CertificatesPublisher,
  ) {}

  /** After a change of leader: what is in Redis may be stale, so everything is written again. */
  forget(): void {
    this.published.clear();
    this.hostsOfApp.clear();
    this.certificates?.forget();
  }

  async reconcile(db: Db, appId: string): Promise<void> {
    const app = await new AppRepository(db).findRoute(this.system, appId);
    if (!app) {
      for (const host of this.hostsOfApp.get(appId) ?? []) await this.remove(host);
      this.hostsOfApp.delete(appId);
      await this.certificates?.removeApp(appId);
      return;
    }
    const scope = scopeOfRow(this.system, app);
    const { endpoints, starting } = webEndpoints(
      await new InstanceRepository(db).listWebInService(scope, appId),
    );
    const activatable = app.autoscalers.some((autoscaler) => autoscaler.minReplicas === 0);
    const domains = await new DomainRepository(db).listForApp(scope, appId);
    const hosts = new Set([this.hostOf(app), ...domains.map((domain) => domain.hostname)]);
    const encoded = encodeAppEndpoints({
      appId,
      activatable,
      starting,
      endpoints,
      httpsRedirect: app.httpsRedirect,
    });
    for (const host of hosts) await this.write(host, encoded);
    for (const host of this.hostsOfApp.get(appId) ?? []) if (!hosts.has(host)) await this.remove(host);
    this.hostsOfApp.set(appId, hosts);
    await this.certificates?.reconcile(db, scope, appId, hosts);
  }

  /** Removes the table entries of apps that no longer exist. */
  async collect(db: Db): Promise<void> {
    const apps = await new AppRepository(db).listWithOwners(this.system);
    const domains = await new DomainRepository(db).listAll(this.system);
    const hosts = new Set([
      ...apps.map((app) => this.hostOf(app)),
      ...domains.map((domain) => domain.hostname),
    ]);
    const stale = (await this.redis.hkeys(endpointsKey(this.prefix))).filter((host) => !hosts.has(host));
    for (const host of stale) await this.remove(host);
    await this.certificates?.collect(db);
  }

  private hostOf(app: AppWithOwners): string {
    return appHostname(
      { tenant: app.tenant.name, namespace: app.namespace.name, app: app.name },
      this.domain,
    );
  }

  private async remove(host: string): Promise<void> {
    await this.redis.hdel(endpointsKey(this.prefix), host);
    await publishWake(this.redis, this.prefix, { to: 'routers', host });
    this.published.delete(host);
  }

  private async write(host: string, encoded: string): Promise<void> {
    if (this.published.get(host) === encoded) return;
    await this.redis.hset(endpointsKey(this.prefix), host, encoded);
    await publishWake(this.redis, this.prefix, { to: 'routers', host });
    this.published.set(host, encoded);
  }
}
