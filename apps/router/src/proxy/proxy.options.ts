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
  /** Per-app traffic for the metrics store (the autoscaler's concurrency and request rate). */
  traffic: AppTraffic;
  logger: Logger;
  /** The upstream connection pools: an undici Agent keeps a keep-alive pool per instance. */
  dispatcher: Dispatcher;
  domain: string;
  accessLog: boolean;
}
