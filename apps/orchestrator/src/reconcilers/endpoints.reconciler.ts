import type { Redis } from 'ioredis';
import { encodeAppEndpoints, endpointsKey, publishWake, type Endpoint } from '@nimbus/cluster';
import {
  AppRepository,
  InstanceRepository,
  scopeOfRow,
  type AppWithOwners,
  type Db,
  type SystemScope,
} from '@nimbus/db';
import { appHostname } from '@nimbus/domain';

/**
 * The endpoints reconciler: each app's ready `web` instances on ready nodes, not draining, as
 * the routers' table, with whether `web` may be at zero on purpose (its autoscaler's minimum is
 * 0: routers then hold requests and ask for an instance). Only changes are written, and each is
 * announced so routers update at once.
 */
export class EndpointsReconciler {
  private readonly published = new Map<string, string>();

  constructor(
    private readonly system: SystemScope,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly domain: string,
  ) {}

  /** After a change of leader: what is in Redis may be stale, so everything is written again. */
  forget(): void {
    this.published.clear();
  }

  async reconcile(db: Db, appId: string): Promise<void> {
    const app = await new AppRepository(db).findRoute(this.system, appId);
    if (!app) return;
    const instances = await new InstanceRepository(db).listRoutable(scopeOfRow(this.system, app), appId);
    const endpoints: Endpoint[] = instances.map((instance) => ({
      instanceId: instance.id,
      host: instance.node!.address,
      port: instance.port!,
    }));
    const activatable = app.autoscalers.some((autoscaler) => autoscaler.minReplicas === 0);
    await this.write(this.hostOf(app), encodeAppEndpoints({ appId, activatable, endpoints }));
  }

  /** Removes the table entries of apps that no longer exist. */
  async collect(db: Db): Promise<void> {
    const apps = await new AppRepository(db).listWithOwners(this.system);
    const hosts = new Set(apps.map((app) => this.hostOf(app)));
    const stale = (await this.redis.hkeys(endpointsKey(this.prefix))).filter((host) => !hosts.has(host));
    for (const host of stale) {
      await this.redis.hdel(endpointsKey(this.prefix), host);
      await publishWake(this.redis, this.prefix, { to: 'routers', host });
      this.published.delete(host);
    }
  }

  private hostOf(app: AppWithOwners): string {
    return appHostname(
      { tenant: app.tenant.name, namespace: app.namespace.name, app: app.name },
      this.domain,
    );
  }

  private async write(host: string, encoded: string): Promise<void> {
    if (this.published.get(host) === encoded) return;
    await this.redis.hset(endpointsKey(this.prefix), host, encoded);
    await publishWake(this.redis, this.prefix, { to: 'routers', host });
    this.published.set(host, encoded);
  }
}
