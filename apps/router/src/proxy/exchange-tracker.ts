import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { statusClass } from '../metrics/router.metrics';
import { appHostOf, hostForDisplay } from '../routing/app-host';
import type { Upstream } from '../routing/balancer';
import { problems, type RouterProblem } from './error-pages';
import { Exchange } from './exchange';
import { requestIdOf } from './forwarding-headers';
import type { ProxyHandlerOptions } from './proxy.options';

/**
 * What requests and WebSockets share from arrival to end: finding the app, holding an instance's
 * load, the counts in flight (per app, and in all for draining), the metrics and the access log.
 */
export class ExchangeTracker {
  private inFlightTotal = 0;
  /** Per app host; read at scrape time, which costs less than a labelled gauge per request. */
  private readonly inFlightByHost = new Map<string, number>();
  private whenIdle: (() => void) | undefined;
  private drainStarted = false;

  constructor(private readonly options: ProxyHandlerOptions) {}

  /** Set once drain() was called: client connections are no longer kept alive. */
  get draining(): boolean {
    return this.drainStarted;
  }

  /** Every routed app host with its requests in flight (0 when idle), for the metrics. */
  *inFlight(): Iterable<readonly [string, number]> {
    for (const host of this.options.table.hosts()) yield [host, this.inFlightByHost.get(host) ?? 0];
    for (const [host, count] of this.inFlightByHost) {
      if (this.options.table.get(host)) continue;
      // Gone from the table: reported until its last request ends, then forgotten.
      if (count > 0) yield [host, count];
      else this.inFlightByHost.delete(host);
    }
  }

  /** Stops keeping client connections alive; resolves once nothing is in flight. */
  drain(): Promise<void> {
    this.drainStarted = true;
    if (this.inFlightTotal === 0) return Promise.resolve();
    return new Promise((resolve) => (this.whenIdle = resolve));
  }

  begin(request: IncomingMessage, websocket: boolean): Exchange {
    const exchange = new Exchange(requestIdOf(request.headers), websocket);
    this.inFlightTotal++;
    return exchange;
  }

  /** Finds the app; a problem to answer with when there is none to send the request to. */
  route(request: IncomingMessage, exchange: Exchange): RouterProblem | undefined {
    const { table, domain } = this.options;
    if (!table.isLoaded) return problems.notReady();
    // Absolute-form targets are for forward proxies; an app only ever sees a path.
    if (!request.url?.startsWith('/')) return problems.badRequest();
    const host = appHostOf(request.headers.host, domain);
    const route = host === undefined ? undefined : table.get(host);
    if (!route) return problems.unknownHost(hostForDisplay(request.headers.host));
    exchange.host = route.host;
    exchange.route = route;
    exchange.appId = route.appId;
    this.inFlightByHost.set(route.host, (this.inFlightByHost.get(route.host) ?? 0) + 1);
    // An entry from an older orchestrator has no app id: nothing to report it under.
    if (exchange.appId) this.options.traffic?.started(exchange.appId);
    // An app at zero on purpose, or starting, is the activator's to hold, not to refuse.
    if (route.upstreams.length === 0 && !route.activatable) return problems.noInstances(route.host);
    return undefined;
  }

  take(exchange: Exchange, upstream: Upstream): void {
    exchange.upstream = upstream;
    exchange.tried.push(upstream.key);
    exchange.holding = true;
    exchange.attemptStarted = performance.now();
    this.options.balancer.acquire(upstream);
  }

  release(exchange: Exchange): void {
    if (!exchange.holding) return;
    exchange.holding = false;
    this.options.balancer.release(exchange.upstream as Upstream);
  }

  answered(exchange: Exchange): void {
    if (exchange.responded) return;
    exchange.responded = true;
    this.options.metrics.upstreamLatency.observe((performance.now() - exchange.attemptStarted) / 1000);
  }

  finish(request: IncomingMessage, status: number, exchange: Exchange): void {
    this.release(exchange);
    const { metrics, logger, accessLog } = this.options;
    const host = exchange.host;
    metrics.requests.inc({ host, status_class: statusClass(status) });
    if (host) this.inFlightByHost.set(host, (this.inFlightByHost.get(host) as number) - 1);
    // A WebSocket's life is no request latency: counted as in flight and ended, not timed.
    const durationMs = exchange.websocket ? undefined : performance.now() - exchange.started;
    if (host && durationMs !== undefined) metrics.requestDuration.observe({ host }, durationMs / 1000);
    if (exchange.appId) this.options.traffic?.ended(exchange.appId, durationMs);
    if (accessLog) {
      const url = request.url ?? '/';
      const query = url.indexOf('?');
      logger.info(
        {
          requestId: exchange.requestId,
          method: request.method,
          host: host || hostForDisplay(request.headers.host),
          // The query string is left out: it may carry credentials.
          path: query === -1 ? url : url.slice(0, query),
          status,
          latencyMs: Math.round((performance.now() - exchange.started) * 100) / 100,
          upstream: exchange.upstream?.instanceId,
          attempts: exchange.tried.length,
          ...(exchange.error && { upstreamError: exchange.error }),
          ...(exchange.websocket && { websocket: true }),
        },
        'request',
      );
    }
    if (--this.inFlightTotal === 0 && this.whenIdle) this.whenIdle();
  }
}
