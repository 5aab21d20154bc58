import type { Provider } from '@nestjs/common';
import { MetricsStore } from '@nimbus/metrics';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { RedisService } from './redis.service';

/** The short windows of per-second metrics in Redis, injected by the MetricsStore class. */
export const metricsStoreProvider: Provider = {
  provide: MetricsStore,
  inject: [RedisService, GATEWAY_CONFIG],
  useFactory: (redis: RedisService, config: GatewayConfig) =>
    new MetricsStore(redis.client, { prefix: redis.prefix, retentionMs: config.NIMBUS_METRICS_RETENTION }),
};
