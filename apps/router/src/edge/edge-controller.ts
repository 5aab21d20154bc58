import type { EdgeCertificate } from '@nimbus/cluster';
import type { Logger } from '@nimbus/logging';
import type { AppRoute } from '../routing/balancer';
import {
  parseCertificateStores,
  parseCrtList,
  planCertificates,
  planRedirects,
  type WantedCertificate,
} from './edge-certificates';
import { planEdge, type EdgeCommand, type MapName } from './edge-plan';
import { isLeaving, parseMap, parseServers, parseSessions, withSessions, type EdgeState } from './edge-state';
import type { HaproxySocket } from './haproxy-socket';

/**
 * Even with no change announced, HAProxy is compared with the table this often (and repaired,
 * and servers whose requests have finished are freed). Each comparison reads every slot's
 * servers, which costs both processes some milliseconds.
 */
const RESYNC_EVERY_MS = 5_000;

/** HTTPS at the edge: where apps' certificates and redirects go, and how keys are opened. */
export interface EdgeTlsOptions {
  crtList: string;
  /** Prefix of the (never written) file names app certificates are known by in HAProxy. */
  certificatePrefix: string;
  redirectsMap: string;
  certificates: () => ReadonlyMap<string, EdgeCertificate>;
  /** The certificate's PEM (chain and key); throws when it cannot be opened. Undefined without an edge key. */
  open?: (id: string, certificate: EdgeCertificate) => string;
}

export interface EdgeControllerOptions {
  routes: () => Iterable<AppRoute>;
  tls?: EdgeTlsOptions;
  socket: HaproxySocket;
  slots: number;
  mapPaths: Record<MapName, string>;
  logger: Logger;
}

/**
 * Keeps HAProxy routing as the endpoint table says: on each change of the table, and every five
 * seconds anyway, reads what HAProxy holds, plans the difference and applies it. One pass at a
 * time; a change during a pass asks for one more.
 */
export class EdgeController {
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private backends = new Map<string, string>();
  private readonly warned = new Set<string>();

  constructor(private readonly options: EdgeControllerOptions) {}

  start(): void {
    this.timer = setInterval(() => this.sync(), RESYNC_EVERY_MS).unref();
    this.sync();
  }

  /** App id → the backend its traffic is counted in. */
  get backendOfApp(): ReadonlyMap<string, string> {
    return this.backends;
  }

  /** Asks for a pass; resolves once a pass that began after this call has ended. */
  sync(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      // The running loop makes one more pass before its promise settles.
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.pass();
      } catch (error) {
        // HAProxy restarting, most often: the next pass (on its restart, or in two seconds) repairs.
        this.options.logger.warn({ err: (error as Error).message }, 'edge: sync failed');
      }
    } while (this.again && !this.stopped);
  }

  private async pass(): Promise<void> {
    const { socket, mapPaths, logger } = this.options;
    const actual = await this.read();
    const plan = planEdge(this.options.routes(), actual, { slots: this.options.slots, mapPaths });
    this.backends = plan.backendOfApp;
    this.warnOnce(
      plan.unslotted,
      'every slot is taken: the Node router serves this app (raise NIMBUS_EDGE_SLOTS)',
    );
    this.warnOnce(
      plan.crowded,
      'more instances than a slot has servers: HAProxy leaves some out (raise NIMBUS_EDGE_SERVERS_PER_APP)',
    );
    const commands = [...plan.commands, ...(await this.planTls(plan.backendOfApp))];
    for (const { command, success } of commands) {
      try {
        await socket.apply(command, success);
      } catch (error) {
        // The rest of the plan may still apply; the next pass plans again from what HAProxy holds.
        // The first line only: a payload holds a certificate's key.
        logger.warn({ err: (error as Error).message.split('\n')[0] }, 'edge: command failed');
      }
    }
    if (commands.length) logger.debug({ commands: commands.length }, 'edge: synced');
  }

  /** Apps' certificates and redirects, once the slots are known. */
  private async planTls(backendOfApp: ReadonlyMap<string, string>): Promise<EdgeCommand[]> {
    const { tls, socket } = this.options;
    if (!tls) return [];
    const [list, stores, redirects] = await Promise.all([
      socket.send(`show ssl crt-list ${tls.crtList}`),
      socket.send('show ssl cert'),
      socket.send(`show map ${tls.redirectsMap}`),
    ]);
    const wanted: WantedCertificate[] = [];
    const { open } = tls;
    if (open) {
      for (const [id, certificate] of tls.certificates()) {
        wanted.push({
          name: `${tls.certificatePrefix}${id}.pem`,
          serves: certificate.serves,
          pem: () => {
            try {
              return open(id, certificate);
            } catch (error) {
              this.warnOnce(
                [certificate.appId],
                `certificate ${id} cannot be opened (${(error as Error).message}): is NIMBUS_EDGE_KEY the orchestrator's?`,
              );
              return undefined;
            }
          },
        });
      }
    }
    return [
      ...planCertificates(
        wanted,
        { entries: parseCrtList(list), ...parseCertificateStores(stores) },
        { crtList: tls.crtList, prefix: tls.certificatePrefix },
      ),
      ...planRedirects(this.options.routes(), backendOfApp, parseMap(redirects), tls.redirectsMap),
    ];
  }

  /** Once per app and reason, until the process restarts: a warning per pass would flood. */
  private warnOnce(apps: readonly string[], reason: string): void {
    for (const app of apps) {
      if (this.warned.has(`${app}\0${reason}`)) continue;
      this.warned.add(`${app}\0${reason}`);
      this.options.logger.warn({ app }, `edge: ${reason}`);
    }
  }

  private async read(): Promise<EdgeState> {
    const { socket, mapPaths } = this.options;
    const [hosts, wildcards, state] = await Promise.all([
      socket.send(`show map ${mapPaths.hosts}`),
      socket.send(`show map ${mapPaths.wildcards}`),
      socket.send('show servers state'),
    ]);
    const servers = parseServers(state);
    const leaving = [...servers].filter(([, list]) => list.some(isLeaving)).map(([backend]) => backend);
    const stats = await Promise.all(leaving.map((backend) => socket.send(`show stat ${backend} 4 -1`)));
    return {
      hosts: parseMap(hosts),
      wildcards: parseMap(wildcards),
      servers: withSessions(servers, parseSessions(stats)),
    };
  }
}
