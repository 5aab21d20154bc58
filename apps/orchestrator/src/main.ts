import { Redis } from 'ioredis';
import { ConfigError } from '@nimbus/config';
import { createPrismaClient } from '@nimbus/db';
import { createLogger } from '@nimbus/logging';
import { startHealthServer } from '@nimbus/service';
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
  const orchestrator = new Orchestrator(config, prisma, redis, metrics, logger);
  orchestrator.start();
  const health = await startHealthServer({
    port: config.PORT,
    host: config.HOST,
    registry: metrics.registry,
    checks: { postgres: () => prisma.$queryRaw`SELECT 1`, redis: () => redis.ping() },
  });
  logger.info({ url: health.url, id: config.NIMBUS_ORCHESTRATOR_ID }, 'orchestrator ready');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'orchestrator stopping');
    await orchestrator.stop();
    await Promise.allSettled([health.close(), prisma.$disconnect()]);
    redis.disconnect();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  const message =
    error instanceof ConfigError
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
  process.stderr.write(`error: orchestrator failed to start: ${message}\n`);
  process.exit(1);
});
