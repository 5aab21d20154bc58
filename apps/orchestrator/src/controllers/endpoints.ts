import type { Redis } from 'ioredis';
import { encodeEndpoints, endpointsChannel, endpointsKey, type Endpoint } from '@nimbus/cluster';
import type { Db } from '@nimbus/db';
import { appHostname } from '@nimbus/domain';

/**
 * The endpoints controller: each app's ready `web` instances on ready nodes, not draining, as
 * the routers' table. Only changes are written, and each is announced so routers update at once.
 */
export class EndpointsController {
  private readonly published = new Map<string, string>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly domain: string,
  ) {}

  /** After a change of leader: what is in Redis may be stale, so everything is written again. */
  forget(): void {
    this.published.clear();
  }

  async reconcile(db: Db, appId: string): Promise<void> {
    const app = await db.app.findUnique({ where: { id: appId }, include: { namespace: true, tenant: true } });
    if (!app) return;
    const host = appHostname(
      { tenant: app.tenant.name, namespace: app.namespace.name, app: app.name },
      this.domain,
    );
    const instances = await db.instance.findMany({
      where: {
        appId,
        processType: 'web',
        kind: 'service',
        desiredState: 'running',
        drainingSince: null,
        ready: true,
        phase: 'running',
        port: { not: null },
        node: { ready: true },
      },
      include: { node: true },
    });
    const endpoints: Endpoint[] = instances.map((instance) => ({
      instanceId: instance.id,
      host: instance.node!.address,
      port: instance.port!,
    }));
    await this.write(host, encodeEndpoints(endpoints));
  }

  /** Removes the table entries of apps that no longer exist. */
  async collect(db: Db): Promise<void> {
    const apps = await db.app.findMany({ include: { namespace: true, tenant: true } });
    const hosts = new Set(
      apps.map((app) =>
        appHostname({ tenant: app.tenant.name, namespace: app.namespace.name, app: app.name }, this.domain),
      ),
    );
    const stale = (await this.redis.hkeys(endpointsKey(this.prefix))).filter((host) => !hosts.has(host));
    for (const host of stale) {
      await this.redis.hdel(endpointsKey(this.prefix), host);
      await this.redis.publish(endpointsChannel(this.prefix), host);
      this.published.delete(host);
    }
  }

  private async write(host: string, encoded: string): Promise<void> {
    if (this.published.get(host) === encoded) return;
    await this.redis.hset(endpointsKey(this.prefix), host, encoded);
    await this.redis.publish(endpointsChannel(this.prefix), host);
    this.published.set(host, encoded);
  }
}
