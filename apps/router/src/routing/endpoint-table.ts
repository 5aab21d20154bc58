import { Redis, type ChainableCommander } from 'ioredis';
import {
  certificatesKey,
  endpointsKey,
  readWake,
  wakeSubscriptions,
  type EdgeCertificate,
} from '@nimbus/cluster';
import type { Logger } from '@nimbus/logging';
import { wildcardOf } from './app-host';
import type { AppRoute } from './balancer';
import { parseCertificateEntry, parseRoute } from './table-entries';

const RESYNC_RETRY_MS = 1_000;

export interface EndpointTableOptions {
  redisUrl: string;
  prefix: string;
  logger: Logger;
}

/**
 * The router's copy of the endpoint table (see `@nimbus/cluster`): host → ready instances; and
 * of the apps' certificates, announced and read the same way.
 *
 * Pushed, never polled: every change is announced on a channel and only that host is read again.
 * A subscription cannot replay what was published while it was down, so on every (re)connection
 * the subscription is confirmed first and the whole hash read after it: anything changed in
 * between is in the hash, anything changed later arrives as a message.
 */
export class EndpointTable {
  private routes = new Map<string, AppRoute>();
  private certificates = new Map<string, EdgeCertificate>();
  private loaded = false;
  private closed = false;
  private resyncTimer: NodeJS.Timeout | undefined;
  private readonly key: string;
  private readonly certificatesKey: string;
  private readonly channel: string;
  /** Commands; replies come in the order they were sent, so a later read always lands last. */
  private readonly commands: Redis;
  /** A connection in subscriber mode accepts no other commands. */
  private readonly subscriber: Redis;
  private readonly firstLoad: Promise<void>;
  private markLoaded: () => void = () => undefined;
  private readonly changeListeners: ((host?: string) => void)[] = [];
  private readonly certificateListeners: (() => void)[] = [];

  constructor(private readonly options: EndpointTableOptions) {
    this.key = endpointsKey(options.prefix);
    this.certificatesKey = certificatesKey(options.prefix);
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
      if (wake?.to !== 'routers') return;
      if ('host' in wake) this.refresh(wake.host);
      else this.refreshCertificate(wake.certificate);
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

  /** Certificate id → the certificate, the hosts it serves and its sealed key. */
  allCertificates(): ReadonlyMap<string, EdgeCertificate> {
    return this.certificates;
  }

  /** Calls `listener` once a certificate was added, changed or removed, or all were read again. */
  onCertificatesChange(listener: () => void): void {
    this.certificateListeners.push(listener);
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
      const [all, allCertificates] = await Promise.all([
        this.commands.hgetall(this.key),
        this.commands.hgetall(this.certificatesKey),
      ]);
      const routes = new Map<string, AppRoute>();
      for (const [host, text] of Object.entries(all)) {
        const route = this.parse(host, text);
        if (route) routes.set(route.host, route);
      }
      const certificates = new Map<string, EdgeCertificate>();
      for (const [id, text] of Object.entries(allCertificates)) {
        const certificate = this.parseCertificate(id, text);
        if (certificate) certificates.set(id, certificate);
      }
      this.routes = routes;
      this.certificates = certificates;
      this.options.logger.info(
        { hosts: routes.size, certificates: certificates.size },
        'endpoint table loaded',
      );
      this.changed(undefined);
      this.certificatesChanged();
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

  private refreshCertificate(id: string): void {
    this.commands.hget(this.certificatesKey, id).then(
      (text) => {
        if (text === null) this.certificates.delete(id);
        else {
          const certificate = this.parseCertificate(id, text);
          if (!certificate) return;
          this.certificates.set(id, certificate);
        }
        this.certificatesChanged();
      },
      (error: Error) => {
        if (!this.closed) {
          this.options.logger.warn({ certificate: id, err: error.message }, 'endpoint table: read failed');
        }
      },
    );
  }

  private certificatesChanged(): void {
    for (const listener of this.certificateListeners) {
      try {
        listener();
      } catch (error) {
        this.options.logger.error({ err: (error as Error).message }, 'endpoint table: listener failed');
      }
    }
  }

  private parseCertificate(id: string, text: string): EdgeCertificate | undefined {
    try {
      return parseCertificateEntry(text);
    } catch (error) {
      this.options.logger.error(
        { certificate: id, err: (error as Error).message },
        'endpoint table: bad certificate entry ignored',
      );
      return undefined;
    }
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
