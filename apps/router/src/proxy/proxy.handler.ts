import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ExchangeTracker } from './exchange-tracker';
import type { ProxyHandlerOptions } from './proxy.options';
import { RequestForwarder } from './request-forwarder';
import { WebSocketRelay } from './websocket-relay';

/**
 * Sends app traffic to instances: HTTP requests through undici (RequestForwarder, with its
 * retries), WebSockets through http-proxy-3 (WebSocketRelay), both counted in one ExchangeTracker
 * so that metrics, the access log and draining see every exchange.
 */
export class ProxyHandler {
  private readonly exchanges: ExchangeTracker;
  private readonly websockets: WebSocketRelay;
  readonly handleRequest: (request: IncomingMessage, response: ServerResponse) => void;
  readonly handleUpgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

  constructor(options: ProxyHandlerOptions) {
    this.exchanges = new ExchangeTracker(options);
    this.websockets = new WebSocketRelay(options, this.exchanges);
    this.handleRequest = new RequestForwarder(options, this.exchanges).handleRequest;
    this.handleUpgrade = this.websockets.handleUpgrade;
  }

  /** Every routed app host with its requests in flight (0 when idle), for the metrics. */
  inFlight(): Iterable<readonly [string, number]> {
    return this.exchanges.inFlight();
  }

  /** Stops keeping client connections alive; resolves once nothing is in flight. */
  drain(): Promise<void> {
    return this.exchanges.drain();
  }

  /** Cuts the WebSockets still open: they have no natural end to wait for. */
  closeWebSockets(): void {
    this.websockets.closeWebSockets();
  }
}
