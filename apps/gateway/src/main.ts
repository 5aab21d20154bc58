import cluster from 'node:cluster';
import { createLogger } from '@nimbus/logging';
import { ConfigError } from '@nimbus/config';
import { createGatewayApp } from './create-app';
import { loadGatewayConfig } from './gateway.config';
import { superviseWorkers } from './infra/workers';

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL });
  if (config.NIMBUS_GATEWAY_WORKERS > 1 && cluster.isPrimary) {
    superviseWorkers(config.NIMBUS_GATEWAY_WORKERS, logger);
    return;
  }
  const app = await createGatewayApp(config, logger);
  await app.listen(config.PORT, config.HOST);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info({ url: `http://${config.HOST}:${port}` }, 'gateway listening');
}

main().catch((error: unknown) => {
  const message =
    error instanceof ConfigError
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
  process.stderr.write(`error: gateway failed to start: ${message}\n`);
  process.exit(1);
});
