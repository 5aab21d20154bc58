import cluster from 'node:cluster';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Writable } from 'node:stream';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { AggregatorRegistry } from 'prom-client';
import { Agent } from 'undici';
import type { Logger } from '@nimbus/logging';
import { startHealthServer, type HealthServer } from '@nimbus/service';
import { Activator } from './activator/activator';
import { DemandReporter } from './activator/demand-reporter';
import { startEdge, type RunningEdge } from './edge/edge';
import { RouterMetrics } from './metrics/router.metrics';
import { ProxyHandler } from './proxy/proxy.handler';
import type { RouterConfig } from './router.config';
import { Balancer } from './routing/balancer';
import { EndpointTable } from './routing/endpoint-table';
import { startRouterTelemetry } from './telemetry/router-telemetry';
import { answerReadinessQueries } from './workers/router-workers';

/**
 * How long start-up waits for the first table load before serving anyway (503 `router/not-ready`
 * until it arrives), so a router started while Redis is down still comes up and says why.
 */
const FIRST_LOAD_WAIT_MS = 5_000;
/** After the drain timeout, how long the 503s of requests still held get to reach their clients. */
const HELD_ANSWER_GRACE_MS = 250;

export interface RunningRouter {
  /** Where app traffic goes, e.g. http://127.0.0.1:8000 (send the app's Host header). */
  url: string;
  /** The same over HTTPS, when NIMBUS_ROUTER_TLS_PORT is set. */
  tlsUrl: string | undefined;
  /** /healthz, /readyz and /metrics; undefined in a cluster worker (the supervisor serves them). */
  adminUrl: string | undefined;
  /** Stops accepting, lets requests in flight finish (up to the drain timeout), then closes all. */
  close(): Promise<void>;
}

export interface RouterOptions {
  /** Where HAProxy's access log goes: standard output unless a test reads it. */
  edgeAccessLog?: Writable;
}

/**
 * Starts one router process: the endpoint table, the proxy, HAProxy in front of it unless
 * NIMBUS_EDGE=node, and, unless a worker, the admin port.
 */
export async function startRouter(
  config: RouterConfig,
  logger: Logger,
  options: RouterOptions = {},
): Promise<RunningRouter> {
  const behindEdge = config.NIMBUS_EDGE === 'haproxy';
  const table = new EndpointTable({
    redisUrl: config.REDIS_URL,
    prefix: config.NIMBUS_REDIS_PREFIX,
    logger,
  });
  const metrics = new RouterMetrics({
    routeCount: () => table.size,
    // Read at scrape time only, when the handler below exists.
    inFlightByHost: (): Iterable<readonly [string, number]> => handler.inFlight(),
  });
  // A keep-alive pool per instance. Idle connections close before the app would close them
  // (undici follows the app's Keep-Alive hint, 4 s otherwise), which keeps stale-socket resets rare.
  const dispatcher = new Agent({
    connections: config.NIMBUS_ROUTER_UPSTREAM_MAX_SOCKETS,
    connect: { timeout: config.NIMBUS_ROUTER_CONNECT_TIMEOUT },
    headersTimeout: config.NIMBUS_ROUTER_UPSTREAM_TIMEOUT,
    bodyTimeout: config.NIMBUS_ROUTER_UPSTREAM_TIMEOUT,
  });
  /** This router process, as it reports itself in Redis (demand, metrics): unique per process. */
  const routerId = `${hostname()}-${process.pid}-${cluster.worker?.id ?? 0}`;
  const activator = new Activator({
    table,
    demand: new DemandReporter({
      pipeline: () => table.pipeline(),
      connected: () => table.commandsReady,
      prefix: config.NIMBUS_REDIS_PREFIX,
      routerId,
      logger,
    }),
    registry: metrics.registry,
    logger,
    timeoutMs: config.NIMBUS_ACTIVATOR_TIMEOUT,
    queueSize: config.NIMBUS_ACTIVATOR_QUEUE,
  });
  let edge: RunningEdge | undefined;
  // Behind the edge, HAProxy's counters see all app traffic, this router's share included.
  const edgeTraffic = { take: () => edge?.traffic.take() ?? [] };
  const telemetry = startRouterTelemetry(config, routerId, logger, behindEdge ? edgeTraffic : undefined);
  const handler: ProxyHandler = new ProxyHandler({
    table,
    balancer: new Balancer(config.NIMBUS_ROUTER_BALANCE),
    activator,
    metrics,
    traffic: behindEdge ? undefined : telemetry.traffic,
    logger,
    dispatcher,
    domain: config.NIMBUS_DOMAIN,
    // HAProxy writes it, for every request it passes here too.
    accessLog: config.NIMBUS_ACCESS_LOG && !behindEdge,
    behindEdge,
  });

  const server = createServer(handler.handleRequest);
  server.on('upgrade', handler.handleUpgrade);
  // A malformed request gets a plain 400 rather than a silently dropped connection.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (socket.writable && error.code !== 'ECONNRESET')
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });

  let admin: HealthServer | undefined;
  try {
    await table.start(FIRST_LOAD_WAIT_MS);
    if (behindEdge) {
      // Only HAProxy sends here: loopback, any free port.
      await listen(server, 0, '127.0.0.1');
      edge = await startEdge({
        config,
        fallbackPort: (server.address() as AddressInfo).port,
        routes: () => table.allRoutes(),
        certificates: () => table.allCertificates(),
        accessLog: options.edgeAccessLog ?? process.stdout,
        logger,
      });
      table.onChange(() => void edge?.sync());
      table.onCertificatesChange(() => void edge?.sync());
    } else {
      await listen(server, config.NIMBUS_ROUTER_PORT, config.HOST);
    }
    if (cluster.isWorker) {
      // The supervisor serves the admin port and asks each worker for its metrics and readiness.
      AggregatorRegistry.setRegistries([metrics.registry]);
      answerReadinessQueries(() => table.check());
    } else {
      admin = await startHealthServer({
        port: config.NIMBUS_ROUTER_ADMIN_PORT,
        host: config.HOST,
        checks: {
          endpoints: () => table.check(),
          ...(edge && { edge: edge.check }),
        },
        registry: metrics.registry,
      });
    }
  } catch (error) {
    // A port in use, most often: what was started (Redis connections, timers) would otherwise
    // keep a process alive that serves nothing.
    activator.close();
    server.close();
    server.closeAllConnections();
    handler.closeWebSockets();
    await Promise.all([dispatcher.destroy(), table.close(), telemetry.close(), edge?.close()]);
    throw error;
  }
  const url = edge?.url ?? `http://${config.HOST}:${(server.address() as AddressInfo).port}`;
  const tlsUrl = edge?.tlsUrl;
  logger.info({ url, tlsUrl, adminUrl: admin?.url, domain: config.NIMBUS_DOMAIN }, 'router listening');

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    // HAProxy stops accepting at once and waits for what it passed here, held requests included.
    const edgeClosed = edge?.close();
    server.close();
    const drained = await Promise.race([
      handler.drain().then(() => true),
      sleep(config.NIMBUS_ROUTER_DRAIN_TIMEOUT, false, { ref: false }),
    ]);
    // Held requests wait out the drain like any other (their app may start meanwhile); those
    // still held now are answered 503 before their connections are cut, and hold no more.
    activator.close();
    if (!drained) {
      logger.warn('router: drain timeout, closing connections with requests in flight');
      await Promise.race([handler.drain(), sleep(HELD_ANSWER_GRACE_MS, undefined, { ref: false })]);
    }
    server.closeAllConnections();
    handler.closeWebSockets();
    await dispatcher.destroy();
    await Promise.all([edgeClosed, admin?.close(), table.close(), telemetry.close()]);
    logger.info('router stopped');
  };
  return {
    url,
    tlsUrl,
    adminUrl: admin?.url,
    close: () => (closing ??= close()),
  };
}

/** Resolves once `server` listens; rejects with why it cannot (EADDRINUSE, EACCES). */
function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
