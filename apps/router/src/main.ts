import cluster from 'node:cluster';
import { onShutdown, runService, superviseWorkers } from '@nimbus/service';
import { createLogger } from '@nimbus/logging';
import { loadRouterConfig } from './router.config';
import { startRouter } from './router';
import { startWorkersAdmin } from './workers/router-workers';

/** The edge router as its own process: `node apps/router/dist/main.js`. */
async function main(): Promise<void> {
  const config = loadRouterConfig();
  const logger = createLogger({ service: 'router', level: config.LOG_LEVEL });
  // Behind HAProxy, the workers are HAProxy's threads; the Node router serves only its leftovers.
  if (config.NIMBUS_EDGE === 'node' && config.NIMBUS_ROUTER_WORKERS > 1 && cluster.isPrimary) {
    // The supervisor only restarts workers and serves the admin port; it routes nothing.
    superviseWorkers(config.NIMBUS_ROUTER_WORKERS, logger, 'router');
    const admin = await startWorkersAdmin({ port: config.NIMBUS_ROUTER_ADMIN_PORT, host: config.HOST });
    logger.info({ adminUrl: admin.url, workers: config.NIMBUS_ROUTER_WORKERS }, 'router supervisor started');
    return;
  }
  const router = await startRouter(config, logger);
  onShutdown(async (signal) => {
    logger.info({ signal }, 'router stopping');
    await router.close();
  });
}

runService('router', main);
