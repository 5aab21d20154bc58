import { Redis } from 'ioredis';
import { MasterKeyring, TenantKeyring } from '@nimbus/crypto';
import { createPrismaClient, pingDatabase, systemScope } from '@nimbus/db';
import { createLogger } from '@nimbus/logging';
import { MetricsStore } from '@nimbus/metrics';
import { ReleaseCutter } from '@nimbus/releases';
import { onShutdown, runService, startHealthServer } from '@nimbus/service';
import { OrchestratorMetrics } from './metrics';
import { loadOrchestratorConfig } from './orchestrator.config';
import { Orchestrator } from './orchestrator';

async function main(): Promise<void> {
  const config = loadOrchestratorConfig();
  const logger = createLogger({ service: 'orchestrator', level: config.LOG_LEVEL });
  const prisma = createPrismaClient(config.DATABASE_URL, { poolSize: 4 });
  const redis = new Redis(config.REDIS_URL);
  redis.on('error', (error) => logger.warn({ err: error }, 'redis error'));
  const metrics = new OrchestratorMetrics();
  const keyring = new TenantKeyring(
    new MasterKeyring(config.NIMBUS_MASTER_KEY, config.NIMBUS_MASTER_KEY_PREVIOUS),
  );
  const releases = new ReleaseCutter(keyring);
  if (!config.NIMBUS_EDGE_KEY)
    logger.warn("NIMBUS_EDGE_KEY is not set: apps' certificates are not given to the routers");
  const metricsStore = new MetricsStore(redis, {
    prefix: config.NIMBUS_REDIS_PREFIX,
    retentionMs: config.NIMBUS_METRICS_RETENTION,
  });
  const orchestrator = new Orchestrator(
    config,
    prisma,
    redis,
    metrics,
    logger,
    releases,
    keyring,
    systemScope(),
    metricsStore,
  );
  orchestrator.start();
  const health = await startHealthServer({
    port: config.PORT,
    host: config.HOST,
    registry: metrics.registry,
    checks: { postgres: () => pingDatabase(prisma), redis: () => redis.ping() },
  });
  logger.info({ url: health.url, id: config.NIMBUS_ORCHESTRATOR_ID }, 'orchestrator ready');

  onShutdown(async (signal) => {
    logger.info({ signal }, 'orchestrator stopping');
    await orchestrator.stop();
    await Promise.allSettled([health.close(), prisma.$disconnect()]);
    redis.disconnect();
  });
}

runService('orchestrator', main);
