import { publishWake } from '@nimbus/cluster';
import { ConfigError } from '@nimbus/config';
import { MasterKeyring, TenantKeyring } from '@nimbus/crypto';
import { createPrismaClient, pingDatabase, systemScope } from '@nimbus/db';
import { createLogger } from '@nimbus/logging';
import { BuildOutputStream, createBuildQueue, createBuildWorker } from '@nimbus/queue';
import { ReleaseCutter } from '@nimbus/releases';
import { onShutdown, runService, startHealthServer } from '@nimbus/service';
import { Redis } from 'ioredis';
import { join } from 'node:path';
import { containerSupport } from '@nimbus/sandbox';
import { loadBuilderConfig, type BuilderConfig } from './builder.config';
import { stepRunner, type ContainerSandbox } from './pipeline/step-runner';
import { BuildRunner } from './worker/build-runner';
import { BuilderMetrics } from './worker/metrics';
import { claimScratch } from './worker/scratch';
import { StrandedBuilds } from './worker/stranded-builds';

/** runc containers when configured or, by default, when the host can run them. */
async function chooseSandbox(config: BuilderConfig, scratchDir: string): Promise<ContainerSandbox | null> {
  if (config.NIMBUS_BUILD_SANDBOX === 'none') return null;
  const support = await containerSupport();
  if (!support.available) {
    if (config.NIMBUS_BUILD_SANDBOX === 'runc')
      throw new ConfigError([`NIMBUS_BUILD_SANDBOX: runc, but runc cannot run here: ${support.reason}`]);
    return null;
  }
  return {
    user: { uid: config.NIMBUS_BUILD_UID, gid: config.NIMBUS_BUILD_GID },
    stateDir: join(scratchDir, 'runc'),
    bundleDir: join(scratchDir, 'bundles'),
  };
}

async function main(): Promise<void> {
  const config = loadBuilderConfig();
  const logger = createLogger({ service: 'builder', level: config.LOG_LEVEL });
  const prisma = createPrismaClient(config.DATABASE_URL, { poolSize: config.NIMBUS_BUILDER_CONCURRENCY + 2 });
  const redis = new Redis(config.REDIS_URL, { lazyConnect: false });
  redis.on('error', (error) => logger.warn({ err: error }, 'redis error'));
  const metrics = new BuilderMetrics();
  const cutter = new ReleaseCutter(
    new TenantKeyring(new MasterKeyring(config.NIMBUS_MASTER_KEY, config.NIMBUS_MASTER_KEY_PREVIOUS)),
  );
  const scratchDir = await claimScratch(config.NIMBUS_BUILD_SCRATCH);
  const sandbox = await chooseSandbox(config, scratchDir);
  const system = systemScope();
  const runner = new BuildRunner({
    config,
    system,
    runStep: stepRunner(sandbox),
    scratchDir,
    prisma,
    output: new BuildOutputStream(redis, config.NIMBUS_REDIS_PREFIX),
    cutter,
    metrics,
    logger,
    released: (appId) =>
      void publishWake(redis, config.NIMBUS_REDIS_PREFIX, {
        to: 'orchestrator',
        changed: { kind: 'app', id: appId },
      }).catch((error: unknown) => logger.warn({ err: error, appId }, 'orchestrator wake-up not sent')),
  });
  const queue = createBuildQueue(config.REDIS_URL, config.NIMBUS_REDIS_PREFIX);
  const worker = createBuildWorker(
    {
      redisUrl: config.REDIS_URL,
      redisPrefix: config.NIMBUS_REDIS_PREFIX,
      concurrency: config.NIMBUS_BUILDER_CONCURRENCY,
      lockDurationMs: config.NIMBUS_BUILD_STALE_AFTER,
    },
    (job) => runner.run(job.data.buildId),
  );
  worker.on('error', (error) => logger.warn({ err: error }, 'build queue error'));
  const stranded = new StrandedBuilds(prisma, system, queue, config.NIMBUS_BUILD_STALE_AFTER, logger);
  stranded.start(config.NIMBUS_BUILD_RESYNC);
  const health = await startHealthServer({
    port: config.PORT,
    host: config.HOST,
    registry: metrics.registry,
    checks: { postgres: () => pingDatabase(prisma), redis: () => redis.ping() },
  });
  logger.info(
    {
      url: health.url,
      concurrency: config.NIMBUS_BUILDER_CONCURRENCY,
      store: config.NIMBUS_REGISTRY_URL ?? config.NIMBUS_IMAGE_LAYOUT,
    },
    'builder ready',
  );

  onShutdown(async (signal) => {
    logger.info({ signal }, 'builder stopping: finishing running builds');
    stranded.stop();
    // Waits for running builds; a second signal or the platform's kill cuts them short, and
    // their stale heartbeats hand them to the next builder.
    await worker.close();
    await Promise.allSettled([queue.close(), health.close(), prisma.$disconnect()]);
    redis.disconnect();
    logger.info('builder stopped');
  });
}

runService('builder', main);
