import type { Dispatcher } from 'undici';
import type { Logger } from '@nimbus/logging';
import type { RouterMetrics } from '../metrics/router.metrics';
import type { Balancer } from '../routing/balancer';
import type { EndpointTable } from '../routing/endpoint-table';

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
