import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import type { Logger } from '@nimbus/logging';
import { MetricsStore } from '@nimbus/metrics';
import type { RouterConfig } from '../router.config';
import { AppTraffic } from './app-traffic';
import { TrafficReporter, type TrafficSource } from './traffic-reporter';

export interface RouterTelemetry {
  /** Fed by the proxy's exchanges. */
  traffic: AppTraffic;
  close(): Promise<void>;
}

/**
 * Starts reporting per-app traffic to the shared metrics store: this router process's own count
 * (returned, for the proxy to feed), or `source`'s figures when another counts (the edge).
 */
export function startRouterTelemetry(
  config: RouterConfig,
  routerId: string,
  logger: Logger,
  source?: TrafficSource,
): RouterTelemetry {
  // A connection of its own that fails fast: with no offline queue and no retries, a report made
  // while Redis is away is rejected at once (and dropped) instead of piling up in memory.
  const redis = new Redis(config.REDIS_URL, {
    connectionName: 'nimbus-router:metrics',
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 2_000,
  });
  // The reporter warns about failed reports (rate-limited); reconnection errors add nothing to that.
  redis.on('error', () => undefined);
  const traffic = new AppTraffic(() => performance.now());
  const reporter = new TrafficReporter({
    traffic: source ?? traffic,
    store: new MetricsStore(redis, {
      prefix: config.NIMBUS_REDIS_PREFIX,
      retentionMs: config.NIMBUS_METRICS_RETENTION,
    }),
    routerId,
    logger,
  });
  reporter.start();
  return {
    traffic,
    close: async () => {
      reporter.stop();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
