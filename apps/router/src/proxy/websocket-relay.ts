import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import type { AppRoute } from '../routing/balancer';
import { problems, writeProblemToSocket, type RouterProblem } from './error-pages';
import type { Exchange } from './exchange';
import type { ExchangeTracker } from './exchange-tracker';
import { setForwardingHeaders, stripHopByHop } from './forwarding-headers';
import type { ProxyHandlerOptions } from './proxy.options';
import { errorCode } from './retry-policy';

/** Relays WebSocket upgrades to instances, through http-proxy-3 (the maintained fork of http-proxy). */
export class WebSocketRelay {
  /** Its handshake relay (101 or the app's refusal) is worth not rewriting. */
  private readonly wsProxy = createProxyServer({ xfwd: false, changeOrigin: false });
  /** WebSocket handshakes in progress, for http-proxy-3's events, which name only the request. */
  private readonly handshakes = new WeakMap<IncomingMessage, Exchange>();
  private readonly upgraded = new Set<Duplex>();

  constructor(
    private readonly options: ProxyHandlerOptions,
    private readonly exchanges: ExchangeTracker,
  ) {
    this.wsProxy.on('proxyReqWs', (proxyRequest, request) => {
      const exchange = this.handshakes.get(request);
      if (!exchange) return;
      proxyRequest.once('upgrade', () => {
        exchange.status = 101;
        this.exchanges.answered(exchange);
      });
      // The app refused the handshake: http-proxy-3 relays its answer.
      proxyRequest.once('response', (answer: IncomingMessage) => {
        exchange.status = answer.statusCode;
        this.exchanges.answered(exchange);
      });
    });
    // Client sockets that fail mid-stream land here; the exchange's close handler accounts for them.
    this.wsProxy.on('error', (error) =>
      this.options.logger.debug({ err: error.message }, 'websocket socket error'),
    );
  }

  readonly handleUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const exchange = this.exchanges.begin(request, true);
    this.handshakes.set(request, exchange);
    // Node drops its own error listener on upgrade, and http-proxy adds one only when relaying:
    // a client resetting a handshake the activator holds would otherwise crash the router.
    socket.on('error', (error) =>
      this.options.logger.debug({ err: error.message }, 'websocket client socket error'),
    );
    socket.once('close', () => {
      // A handshake still held by the activator leaves its queue.
      if (!exchange.responded) exchange.emit('abort');
      this.upgraded.delete(socket);
      this.exchanges.finish(request, exchange.status ?? 502, exchange);
    });
    const refuse = (problem: RouterProblem) => {
      exchange.status = problem.status;
      writeProblemToSocket(request, socket, problem, exchange.requestId);
    };
    const problem = this.exchanges.route(request, exchange);
    if (problem) return refuse(problem);
    const route = exchange.route as AppRoute;
    if (route.upstreams.length > 0) return this.relay(request, socket, head, exchange, route, refuse);
    this.options.activator.hold(route, {
      exchange,
      forward: (ready) => this.relay(request, socket, head, exchange, ready, refuse),
      refuse,
    });
  };

  private relay(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    exchange: Exchange,
    route: AppRoute,
    refuse: (problem: RouterProblem) => void,
  ): void {
    exchange.route = route;
    const upstream = this.options.balancer.pick(route);
    if (!upstream) return refuse(problems.noInstances(exchange.host));
    this.upgraded.add(socket);
    stripHopByHop(request.headers, ['connection', 'upgrade']);
    if (!this.options.behindEdge) setForwardingHeaders(request, exchange.requestId);
    this.exchanges.take(exchange, upstream);
    // A WebSocket holds its upstream connection for life: no pool slot for it. No retry either:
    // http-proxy-3 closes the client socket after any upstream error.
    this.wsProxy.ws(request, socket, head, { target: upstream.target, agent: false }, (error) => {
      this.exchanges.release(exchange);
      exchange.error = errorCode(error);
      if (!exchange.responded && !socket.destroyed) refuse(problems.badGateway(exchange.host));
    });
  }

  /** Cuts the WebSockets still open: they have no natural end to wait for. */
  closeWebSockets(): void {
    for (const socket of this.upgraded) socket.destroy();
  }
}
