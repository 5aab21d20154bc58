import type { Dispatcher } from 'undici';
import type { Logger } from '@nimbus/logging';
import type { Activator } from '../activator/activator';
import type { RouterMetrics } from '../metrics/router.metrics';
import type { AppTraffic } from '../telemetry/app-traffic';
import type { Balancer } from '../routing/balancer';
import type { EndpointTable } from '../routing/endpoint-table';

export interface ProxyHandlerOptions {
  table: EndpointTable;
  balancer: Balancer;
  /** Holds requests to apps at zero on purpose until they have an instance. */
  activator: Activator;
  metrics: RouterMetrics;
  /**
   * Per-app traffic for the metrics store (the autoscaler's concurrency and request rate); none
   * behind the edge, whose own counters include what it passes here.
   */
  traffic: AppTraffic | undefined;
  logger: Logger;
  /** The upstream connection pools: an undici Agent keeps a keep-alive pool per instance. */
  dispatcher: Dispatcher;
  domain: string;
  accessLog: boolean;
  /**
   * Behind the edge (HAProxy), which has set X-Request-Id, Forwarded and X-Forwarded-* for the
   * client already: they pass unchanged, rather than naming the edge as the client.
   */
  behindEdge: boolean;
}
