import cluster from 'node:cluster';
import { ConfigError } from '@nimbus/config';
import { createLogger } from '@nimbus/logging';
import { superviseWorkers } from '../infra/workers';
import { loadRouterConfig } from './router.config';
import { startRouter } from './router';
import { startWorkersAdmin } from './router-workers';

/** The edge router as its own process: `node apps/gateway/dist/router/main.js`. */
async function main(): Promise<void> {
  const config = loadRouterConfig();
  const logger = createLogger({ service: 'router', level: config.LOG_LEVEL });
  if (config.NIMBUS_ROUTER_WORKERS > 1 && cluster.isPrimary) {
    // The supervisor only restarts workers and serves the admin port; it routes nothing.
    superviseWorkers(config.NIMBUS_ROUTER_WORKERS, logger, 'router');
    const admin = await startWorkersAdmin({ port: config.NIMBUS_ROUTER_ADMIN_PORT, host: config.HOST });
    logger.info({ adminUrl: admin.url, workers: config.NIMBUS_ROUTER_WORKERS }, 'router supervisor started');
    return;
  }
  const router = await startRouter(config, logger);
  const stop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'router stopping');
    void router.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error instanceof Error ? error.message : String(error) }, 'router: unclean stop');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  const message =
    error instanceof ConfigError
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
  process.stderr.write(`error: router failed to start: ${message}\n`);
  process.exit(1);
});
