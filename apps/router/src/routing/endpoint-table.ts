import { Redis, type ChainableCommander } from 'ioredis';
import { z } from 'zod';
import { endpointsKey, readWake, wakeSubscriptions } from '@nimbus/cluster';
import type { Logger } from '@nimbus/logging';
import { wildcardOf } from './app-host';
import { toUpstream, type AppRoute } from './balancer';

const RESYNC_RETRY_MS = 1_000;

/** Validated here: a bad entry written by anyone must cost one app its route, not the router. */
const endpointsSchema = z.array(
  z.object({
    instanceId: z.string().min(1),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65_535),
  }),
);
const entrySchema = z.union([
  z.object({ appId: z.string().min(1), activatable: z.boolean(), endpoints: endpointsSchema }),
  // The bare array an orchestrator older than the activator writes, met during an upgrade: such
  // an app is not known to be activatable, and its id is not known at all.
  endpointsSchema.transform((endpoints) => ({ appId: '', activatable: false, endpoints })),
]);

export interface EndpointTableOptions {
  redisUrl: string;
  prefix: string;
  logger: Logger;
}

/**
 * The router's copy of the endpoint table (see `@nimbus/cluster`): host → ready instances.
 *
 * Pushed, never polled: every change is announced on a channel and only that host is read again.
 * A subscription cannot replay what was published while it was down, so on every (re)connection
 * the subscription is confirmed first and the whole hash read after it: anything changed in
 * between is in the hash, anything changed later arrives as a message.
 */
export class EndpointTable {
  private routes = new Map<string, AppRoute>();
  private loaded = false;
  private closed = false;
  private resyncTimer: NodeJS.Timeout | undefined;
  private readonly key: string;
  private readonly channel: string;
  /** Commands; replies come in the order they were sent, so a later read always lands last. */
  private readonly commands: Redis;
  /** A connection in subscriber mode accepts no other commands. */
  private readonly subscriber: Redis;
  private readonly firstLoad: Promise<void>;
  private markLoaded: () => void = () => undefined;
  private readonly changeListeners: ((host?: string) => void)[] = [];

  constructor(private readonly options: EndpointTableOptions) {
    this.key = endpointsKey(options.prefix);
    this.channel = wakeSubscriptions.routers(options.prefix);
    // Waiting out an outage (no retry limit) is right for a table that is only ever re-read.
    const redisOptions = { lazyConnect: true, maxRetriesPerRequest: null } as const;
    // Named, so CLIENT LIST shows whose connections these are.
    this.commands = new Redis(options.redisUrl, { ...redisOptions, connectionName: 'nimbus-router' });
    this.subscriber = new Redis(options.redisUrl, { ...redisOptions, connectionName: 'nimbus-router:watch' });
    this.firstLoad = new Promise((resolve) => (this.markLoaded = resolve));
    for (const [name, client] of [
      ['commands', this.commands],
      ['subscriber', this.subscriber],
    ] as const) {
      // Without a listener ioredis prints every failed reconnection attempt to stderr.
      client.on('error', (error: Error) =>
        this.options.logger.warn({ connection: name, err: error.message }, 'endpoint table: redis error'),
      );
    }
    this.subscriber.on('message', (channel: string, message: string) => {
      const wake = readWake(options.prefix, channel, message);
      if (wake?.to === 'routers') this.refresh(wake.host);
    });
    this.subscriber.on('ready', () => void this.resync());
  }

  /** Connects; resolves once the table is loaded, or after `waitMs` (the table keeps loading). */
  async start(waitMs: number): Promise<void> {
    await Promise.all([
      this.commands.connect().catch(() => undefined),
      this.subscriber.connect().catch(() => undefined),
    ]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.firstLoad,
      new Promise((resolve) => (timer = setTimeout(resolve, waitMs).unref())),
    ]);
    clearTimeout(timer);
  }

  /**
   * The route of a host name (lower case, no port), if the table has one: the name's own, else a
   * custom wildcard domain's that covers it.
   */
  get(host: string): AppRoute | undefined {
    const exact = this.routes.get(host);
    if (exact) return exact;
    const wildcard = wildcardOf(host);
    return wildcard === undefined ? undefined : this.routes.get(wildcard);
  }

  hosts(): Iterable<string> {
    return this.routes.keys();
  }

  /** Every route, for the edge controller to program HAProxy with. */
  allRoutes(): Iterable<AppRoute> {
    return this.routes.values();
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  get size(): number {
    return this.routes.size;
  }

  /**
   * Calls `listener` once a host's route was replaced or deleted, and with no host once the whole
   * table was read again (after a reconnection): the activator releases held requests on it.
   */
  onChange(listener: (host?: string) => void): void {
    this.changeListeners.push(listener);
  }

  /**
   * A pipeline on the table's commands connection, for the router's few writes (the activator's
   * demand): one connection per router process rather than one per writer.
   */
  pipeline(): ChainableCommander {
    return this.commands.pipeline();
  }

  /** Whether the commands connection is up: until then, commands wait in its offline queue. */
  get commandsReady(): boolean {
    return this.commands.status === 'ready';
  }

  /** Rejects unless Redis answers now: for /readyz. */
  async check(): Promise<void> {
    if (!this.loaded) throw new Error('endpoint table not loaded yet');
    if (this.commands.status !== 'ready') throw new Error(`redis ${this.commands.status}`);
    await this.commands.ping();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.resyncTimer);
    await Promise.all(
      [this.commands, this.subscriber].map((client) => client.quit().catch(() => client.disconnect())),
    );
  }

  private async resync(): Promise<void> {
    clearTimeout(this.resyncTimer);
    try {
      await this.subscriber.subscribe(this.channel);
      const all = await this.commands.hgetall(this.key);
      const routes = new Map<string, AppRoute>();
      for (const [host, text] of Object.entries(all)) {
        const route = this.parse(host, text);
        if (route) routes.set(route.host, route);
      }
      this.routes = routes;
      this.options.logger.info({ hosts: routes.size }, 'endpoint table loaded');
      this.changed(undefined);
      if (!this.loaded) {
        this.loaded = true;
        this.markLoaded();
      }
    } catch (error) {
      if (this.closed) return;
      this.options.logger.warn({ err: (error as Error).message }, 'endpoint table: load failed, retrying');
      this.resyncTimer = setTimeout(() => void this.resync(), RESYNC_RETRY_MS).unref();
    }
  }

  private refresh(host: string): void {
    this.commands.hget(this.key, host).then(
      (text) => {
        if (text === null) {
          this.routes.delete(host.toLowerCase());
          return this.changed(host.toLowerCase());
        }
        // A bad entry leaves the route as it was: the last good one is the best guess.
        const route = this.parse(host, text);
        if (!route) return;
        this.routes.set(route.host, route);
        this.changed(route.host);
      },
      (error: Error) => {
        // The next resync (on reconnection) reads it again with everything else.
        if (!this.closed) {
          this.options.logger.warn({ host, err: error.message }, 'endpoint table: read failed');
        }
      },
    );
  }

  private changed(host: string | undefined): void {
    for (const listener of this.changeListeners) {
      try {
        listener(host);
      } catch (error) {
        // A listener's bug must not stop the table from taking later changes.
        this.options.logger.error({ host, err: (error as Error).message }, 'endpoint table: listener failed');
      }
    }
  }

  private parse(host: string, text: string): AppRoute | undefined {
    try {
      return parseRoute(host, text);
    } catch (error) {
      this.options.logger.error({ host, err: (error as Error).message }, 'endpoint table: bad entry ignored');
      return undefined;
    }
  }
}

/** One hash field as a route; throws on an entry that is not JSON or not an entry. */
export function parseRoute(host: string, text: string): AppRoute {
  const { appId, activatable, endpoints } = entrySchema.parse(JSON.parse(text));
  return { host: host.toLowerCase(), appId, activatable, upstreams: endpoints.map(toUpstream), next: 0 };
}
