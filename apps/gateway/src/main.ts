import cluster from 'node:cluster';
import { createLogger } from '@nimbus/logging';
import { runService, superviseWorkers } from '@nimbus/service';
import { createGatewayApp } from './create-app';
import { loadGatewayConfig } from './gateway.config';

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL });
  if (config.NIMBUS_GATEWAY_WORKERS > 1 && cluster.isPrimary) {
    superviseWorkers(config.NIMBUS_GATEWAY_WORKERS, logger, 'gateway');
    return;
  }
  const app = await createGatewayApp(config, logger);
  await app.listen(config.PORT, config.HOST);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info({ url: `http://${config.HOST}:${port}` }, 'gateway listening');
}

runService('gateway', main);
