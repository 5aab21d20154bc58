import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { AppRoute, Upstream } from '../routing/balancer';

/**
 * One client request (or WebSocket) from arrival to its last byte. An EventEmitter so that it
 * can be undici's abort signal ('abort' when the client leaves first): an AbortController costs
 * several microseconds per request in EventTarget machinery, a measurable share of the total.
 */
export class Exchange extends EventEmitter {
  readonly started = performance.now();
  /** The app host when the request matched one; metrics and logs name nothing else. */
  host = '';
  /**
   * The app the host named on arrival ('' for none, or an entry without one): its traffic counts
   * start and end under it, though a held request is released to the host's route of that time.
   */
  appId = '';
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
