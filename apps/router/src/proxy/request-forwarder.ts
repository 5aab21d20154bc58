import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { AppRoute, Upstream } from '../routing/balancer';
import { problems, sendProblem } from './error-pages';
import type { Exchange } from './exchange';
import type { ExchangeTracker } from './exchange-tracker';
import { setForwardingHeaders, stripHopByHop } from './forwarding-headers';
import type { ProxyHandlerOptions } from './proxy.options';
import { errorCode, mayRetry, neverConnected, timedOut } from './retry-policy';

/** How long an instance that refused a connection is passed over (unless nothing else is left). */
const EJECT_MS = 5_000;
/** undici sets these itself (and refuses them from a caller); the app learns nothing from them. */
const NOT_FORWARDED = ['transfer-encoding', 'expect'];

/**
 * Sends HTTP requests to instances, retrying on another one where `mayRetry` allows.
 *
 * Requests go through undici rather than http-proxy-3 (the maintained fork of http-proxy, still
 * used for WebSockets): on the development machine, under the same load, http-proxy-3 over
 * `http.Agent` took ~170 µs of CPU per proxied request and a bare undici pool ~90 µs, which
 * decides how close a Node router gets to nginx (see bench/README.md). What that costs in
 * hand-written code is the header plumbing here (hop-by-hop headers, status and headers copied
 * back); streaming, keep-alive pools and connect/header/body timeouts stay undici's.
 */
export class RequestForwarder {
  constructor(
    private readonly options: ProxyHandlerOptions,
    private readonly exchanges: ExchangeTracker,
  ) {}

  readonly handleRequest = (request: IncomingMessage, response: ServerResponse): void => {
    const exchange = this.exchanges.begin(request, false);
    response.once('close', () => {
      if (!response.writableFinished) exchange.emit('abort');
      this.exchanges.finish(request, response.statusCode, exchange);
    });
    const problem = this.exchanges.route(request, exchange);
    if (problem) return sendProblem(request, response, problem, exchange.requestId);
    const route = exchange.route as AppRoute;
    if (route.upstreams.length > 0) return this.forward(request, response, exchange, route);
    // The body stays unread in the request stream (and the socket) while held: forward pipes it.
    this.options.activator.hold(route, {
      exchange,
      forward: (ready) => this.forward(request, response, exchange, ready),
      refuse: (refusal) => sendProblem(request, response, refusal, exchange.requestId),
    });
  };

  private forward(
    request: IncomingMessage,
    response: ServerResponse,
    exchange: Exchange,
    route: AppRoute,
  ): void {
    exchange.route = route;
    const upstream = this.options.balancer.pick(route);
    if (!upstream)
      return sendProblem(request, response, problems.noInstances(exchange.host), exchange.requestId);
    exchange.hasBody = hasBody(request);
    const headers = request.headers;
    stripHopByHop(headers);
    for (const name of NOT_FORWARDED) if (name in headers) delete headers[name];
    if (!this.options.behindEdge) setForwardingHeaders(request, exchange.requestId);
    // A body is handed over through a PassThrough so that a failed upstream request, which undici
    // destroys its body stream on, does not also destroy the client's request (and its socket).
    const body = exchange.hasBody ? request.pipe(new PassThrough()) : null;
    this.attempt(request, response, exchange, upstream, body);
  }

  private attempt(
    request: IncomingMessage,
    response: ServerResponse,
    exchange: Exchange,
    upstream: Upstream,
    body: PassThrough | null,
  ): void {
    this.exchanges.take(exchange, upstream);
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
        this.exchanges.answered(exchange);
        stripHopByHop(headers);
        delete headers['transfer-encoding'];
        // Whether the client's connection stays open is the router's business, not the app's.
        if (this.exchanges.draining) headers.connection = 'close';
        headers['x-request-id'] = exchange.requestId;
        // One object handed to writeHead, no setHeader before it: Node's fast path.
        response.writeHead(statusCode, headers);
        return response;
      },
      (error) => {
        if (error) this.onUpstreamError(error, request, response, exchange);
        else this.exchanges.release(exchange);
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
    this.exchanges.release(exchange);
    const code = errorCode(error);
    exchange.error = code;
    if (neverConnected(code)) this.options.balancer.eject(failed, EJECT_MS);
    if (response.destroyed) return; // the client left; nothing to answer
    if (mayRetry(request, response, exchange, code)) {
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
    const problem = timedOut(code)
      ? problems.upstreamTimeout(exchange.host)
      : problems.badGateway(exchange.host);
    sendProblem(request, response, problem, exchange.requestId);
  }
}

/** HTTP/1.1 framing: without Content-Length or Transfer-Encoding a request has no body. */
function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
