import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { EventEmitter } from 'node:events';
import { PassThrough, type Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import type { Dispatcher } from 'undici';
import type { Logger } from '@nimbus/logging';
import type { AppRoute, Balancer, Upstream } from './balancer';
import type { EndpointTable } from './endpoint-table';
import { problems, sendProblem, writeProblemToSocket, type RouterProblem } from './error-pages';
import { requestIdOf, setForwardingHeaders, stripHopByHop } from './forwarding-headers';
import { statusClass, type RouterMetrics } from './router.metrics';

/** How long an instance that refused a connection is passed over (unless nothing else is left). */
const EJECT_MS = 5_000;
/** RFC 9110 §9.2.2: sending these twice has the effect of sending them once. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
/** Errors of a connection that was never established: the request cannot have reached the app. */
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** Errors of a connection that broke: the app may have seen the request, but answered nothing. */
const DROPPED = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
const TIMED_OUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
/** undici sets these itself (and refuses them from a caller); the app learns nothing from them. */
const NOT_FORWARDED = ['transfer-encoding', 'expect'];

export interface ProxyHandlerOptions {
  table: EndpointTable;
  balancer: Balancer;
  metrics: RouterMetrics;
  logger: Logger;
  /** The upstream connection pools: an undici Agent keeps a keep-alive pool per instance. */
  dispatcher: Dispatcher;
  domain: string;
  accessLog: boolean;
}

/**
 * One client request (or WebSocket) from arrival to its last byte. An EventEmitter so that it
 * can be undici's abort signal ('abort' when the client leaves first): an AbortController costs
 * several microseconds per request in EventTarget machinery, a measurable share of the total.
 */
class Exchange extends EventEmitter {
  readonly started = performance.now();
  /** The app host when the request matched one; metrics and logs name nothing else. */
  host = '';
  route: AppRoute | undefined = undefined;
  /** Instances tried, by address (an instance is never tried twice for one request). */
  readonly tried: string[] = [];
  upstream: Upstream | undefined = undefined;
  /** Whether `upstream` still counts this exchange in its load. */
  holding = false;
  attemptStarted = 0;
  /** An upstream answered (response headers, or a 101): from then on nothing is sent again. */
  responded = false;
  /** Whether the client sends a body: then the request is never sent twice. */
  hasBody = false;
  error: string | undefined = undefined;
  /** WebSockets: the handshake's answer (an HTTP response's is on the response itself). */
  status: number | undefined = undefined;

  constructor(
    readonly requestId: string,
    readonly websocket: boolean,
  ) {
    super();
  }
}

/**
 * Sends app traffic to instances.
 *
 * Requests go through undici rather than http-proxy-3 (the maintained fork of http-proxy, still
 * used below for WebSockets): on the development machine, under the same load, http-proxy-3 over
 * `http.Agent` took ~170 µs of CPU per proxied request and a bare undici pool ~90 µs, which
 * decides how close a Node router gets to nginx (see bench/README.md). What that costs in
 * hand-written code is the header plumbing here (hop-by-hop headers, status and headers copied
 * back); streaming, keep-alive pools and connect/header/body timeouts stay undici's.
 *
 * Retries: a request goes to a second instance at most once, and only when it has no body (the
 * body stream is consumed by the first attempt) and nothing came back from the first: after a
 * connection that was never established (refused, unreachable, connect timeout) whatever the
 * method, since nothing reached the app; after one that broke before any response byte only for
 * idempotent methods, since the app may have acted on it.
 */
export class ProxyHandler {
  /** WebSockets only: its handshake relay (101 or the app's refusal) is worth not rewriting. */
  private readonly wsProxy = createProxyServer({ xfwd: false, changeOrigin: false });
  /** WebSocket handshakes in progress, for http-proxy-3's events, which name only the request. */
  private readonly handshakes = new WeakMap<IncomingMessage, Exchange>();
  private readonly upgraded = new Set<Duplex>();
  private inFlightTotal = 0;
  /** Per app host; read at scrape time, which costs less than a labelled gauge per request. */
  private readonly inFlightByHost = new Map<string, number>();
  private whenIdle: (() => void) | undefined;
  private draining = false;

  constructor(private readonly options: ProxyHandlerOptions) {
    this.wsProxy.on('proxyReqWs', (proxyRequest, request) => {
      const exchange = this.handshakes.get(request);
      if (!exchange) return;
      proxyRequest.once('upgrade', () => {
        exchange.status = 101;
        this.answered(exchange);
      });
      // The app refused the handshake: http-proxy-3 relays its answer.
      proxyRequest.once('response', (answer: IncomingMessage) => {
        exchange.status = answer.statusCode;
        this.answered(exchange);
      });
    });
    // Client sockets that fail mid-stream land here; the exchange's close handler accounts for them.
    this.wsProxy.on('error', (error) =>
      this.options.logger.debug({ err: error.message }, 'websocket socket error'),
    );
  }

  readonly handleRequest = (request: IncomingMessage, response: ServerResponse): void => {
    const exchange = this.begin(request, false);
    response.once('close', () => {
      if (!response.writableFinished) exchange.emit('abort');
      this.finish(request, response.statusCode, exchange);
    });
    const problem = this.route(request, exchange);
    if (problem) return sendProblem(request, response, problem, exchange.requestId);
    const upstream = this.options.balancer.pick(exchange.route as AppRoute);
    if (!upstream)
      return sendProblem(request, response, problems.noInstances(exchange.host), exchange.requestId);
    exchange.hasBody = hasBody(request);
    const headers = request.headers;
    stripHopByHop(headers);
    for (const name of NOT_FORWARDED) if (name in headers) delete headers[name];
    setForwardingHeaders(request, exchange.requestId);
    // A body is handed over through a PassThrough so that a failed upstream request, which undici
    // destroys its body stream on, does not also destroy the client's request (and its socket).
    const body = exchange.hasBody ? request.pipe(new PassThrough()) : null;
    this.attempt(request, response, exchange, upstream, body);
  };

  readonly handleUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const exchange = this.begin(request, true);
    this.handshakes.set(request, exchange);
    socket.once('close', () => {
      this.upgraded.delete(socket);
      this.finish(request, exchange.status ?? 502, exchange);
    });
    const refuse = (problem: RouterProblem) => {
      exchange.status = problem.status;
      writeProblemToSocket(request, socket, problem, exchange.requestId);
    };
    const problem = this.route(request, exchange);
    if (problem) return refuse(problem);
    const upstream = this.options.balancer.pick(exchange.route as AppRoute);
    if (!upstream) return refuse(problems.noInstances(exchange.host));
    this.upgraded.add(socket);
    stripHopByHop(request.headers, ['connection', 'upgrade']);
    setForwardingHeaders(request, exchange.requestId);
    this.take(exchange, upstream);
    // A WebSocket holds its upstream connection for life: no pool slot for it. No retry either:
    // http-proxy-3 closes the client socket after any upstream error.
    this.wsProxy.ws(request, socket, head, { target: upstream.target, agent: false }, (error) => {
      this.release(exchange);
      exchange.error = errorCode(error);
      if (!exchange.responded && !socket.destroyed) refuse(problems.badGateway(exchange.host));
    });
  };

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
    this.draining = true;
    if (this.inFlightTotal === 0) return Promise.resolve();
    return new Promise((resolve) => (this.whenIdle = resolve));
  }

  /** Cuts the WebSockets still open: they have no natural end to wait for. */
  closeWebSockets(): void {
    for (const socket of this.upgraded) socket.destroy();
  }

  private begin(request: IncomingMessage, websocket: boolean): Exchange {
    const exchange = new Exchange(requestIdOf(request.headers), websocket);
    this.inFlightTotal++;
    return exchange;
  }

  /** Finds the app; a problem to answer with when there is none to send the request to. */
  private route(request: IncomingMessage, exchange: Exchange): RouterProblem | undefined {
    const { table, domain } = this.options;
    if (!table.isLoaded) return problems.notReady();
    // Absolute-form targets are for forward proxies; an app only ever sees a path.
    if (!request.url?.startsWith('/')) return problems.badRequest();
    const host = appHostOf(request.headers.host, domain);
    const route = host === undefined ? undefined : table.get(host);
    if (!route) return problems.unknownHost(hostForDisplay(request.headers.host));
    exchange.host = route.host;
    exchange.route = route;
    this.inFlightByHost.set(route.host, (this.inFlightByHost.get(route.host) ?? 0) + 1);
    if (route.upstreams.length === 0) return problems.noInstances(route.host);
    return undefined;
  }

  private attempt(
    request: IncomingMessage,
    response: ServerResponse,
    exchange: Exchange,
    upstream: Upstream,
    body: PassThrough | null,
  ): void {
    this.take(exchange, upstream);
    this.options.dispatcher.stream(
      {
        origin: upstream.origin,
        path: request.url as string,
        method: request.method as Dispatcher.HttpMethod,
        headers: request.headers,
        body,
        signal: exchange,
      },
      ({ statusCode, headers }) => {
        this.answered(exchange);
        stripHopByHop(headers);
        delete headers['transfer-encoding'];
        // Whether the client's connection stays open is the router's business, not the app's.
        if (this.draining) headers.connection = 'close';
        headers['x-request-id'] = exchange.requestId;
        // One object handed to writeHead, no setHeader before it: Node's fast path.
        response.writeHead(statusCode, headers);
        return response;
      },
      (error) => {
        if (error) this.onUpstreamError(error, request, response, exchange);
        else this.release(exchange);
      },
    );
  }

  private onUpstreamError(
    error: Error,
    request: IncomingMessage,
    response: ServerResponse,
    exchange: Exchange,
  ): void {
    const failed = exchange.upstream as Upstream;
    this.release(exchange);
    const code = errorCode(error);
    exchange.error = code;
    if (NOT_CONNECTED.has(code)) this.options.balancer.eject(failed, EJECT_MS);
    if (response.destroyed) return; // the client left; nothing to answer
    if (this.mayRetry(request, response, exchange, code)) {
      // The table may have moved on since the first attempt (this instance drained, say).
      const route = this.options.table.get(exchange.host) ?? (exchange.route as AppRoute);
      const next = this.options.balancer.pick(route, exchange.tried);
      if (next) {
        this.options.metrics.retries.inc();
        this.options.logger.debug(
          { requestId: exchange.requestId, host: exchange.host, upstream: failed.instanceId, err: code },
          'retrying on another instance',
        );
        return this.attempt(request, response, exchange, next, null);
      }
    }
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const problem = TIMED_OUT.has(code)
      ? problems.upstreamTimeout(exchange.host)
      : problems.badGateway(exchange.host);
    sendProblem(request, response, problem, exchange.requestId);
  }

  private mayRetry(
    request: IncomingMessage,
    response: ServerResponse,
    exchange: Exchange,
    code: string,
  ): boolean {
    if (exchange.tried.length >= 2 || exchange.responded || response.headersSent) return false;
    if (exchange.hasBody) return false;
    return NOT_CONNECTED.has(code) || (DROPPED.has(code) && IDEMPOTENT.has(request.method ?? ''));
  }

  private take(exchange: Exchange, upstream: Upstream): void {
    exchange.upstream = upstream;
    exchange.tried.push(upstream.key);
    exchange.holding = true;
    exchange.attemptStarted = performance.now();
    this.options.balancer.acquire(upstream);
  }

  private release(exchange: Exchange): void {
    if (!exchange.holding) return;
    exchange.holding = false;
    this.options.balancer.release(exchange.upstream as Upstream);
  }

  private answered(exchange: Exchange): void {
    if (exchange.responded) return;
    exchange.responded = true;
    this.options.metrics.upstreamLatency.observe((performance.now() - exchange.attemptStarted) / 1000);
  }

  private finish(request: IncomingMessage, status: number, exchange: Exchange): void {
    this.release(exchange);
    const { metrics, logger, accessLog } = this.options;
    const host = exchange.host;
    metrics.requests.inc({ host, status_class: statusClass(status) });
    if (host) this.inFlightByHost.set(host, (this.inFlightByHost.get(host) as number) - 1);
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

/** The table key for a Host header: APP.NAMESPACE.TENANT.DOMAIN in lower case, port removed. */
export function appHostOf(hostHeader: string | undefined, domain: string): string | undefined {
  if (!hostHeader) return undefined;
  let name = hostHeader.toLowerCase();
  const colon = name.indexOf(':');
  if (colon !== -1) name = name.slice(0, colon);
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (!name.endsWith(`.${domain}`)) return undefined;
  const labels = name.slice(0, -domain.length - 1).split('.');
  return labels.length === 3 && labels.every((label) => label.length > 0) ? name : undefined;
}

const hostForDisplay = (hostHeader: string | undefined): string => (hostHeader ?? '').slice(0, 255);

/** HTTP/1.1 framing: without Content-Length or Transfer-Encoding a request has no body. */
function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function errorCode(error: Error): string {
  return (error as NodeJS.ErrnoException).code ?? error.name;
}
