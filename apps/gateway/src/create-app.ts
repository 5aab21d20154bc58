import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Express, Request, Response } from 'express';
import type { Logger } from '@nimbus/logging';
import { AppModule } from './app.module';
import { AppListCache } from './apps/app-list.cache';
import type { GatewayConfig } from './gateway.config';
import { serveConsole } from './infra/console-static';
import { jsonBodies } from './infra/json-body.middleware';
import { MetricsService } from './infra/metrics.service';
import { NestLogger } from './infra/nest-logger';
import { requestContext } from './infra/request-context.middleware';
import { buildOpenApiDocument } from './openapi';

/**
 * The gateway, fully wired but not listening: `main` listens, tests listen on port 0. Without
 * `init`, no module hook runs and nothing connects: enough to generate the OpenAPI document.
 */
export async function createGatewayApp(
  config: GatewayConfig,
  logger: Logger,
  { init = true }: { init?: boolean } = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logger), {
    logger: new NestLogger(logger),
    bodyParser: false,
    abortOnError: false,
  });
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  if (config.NIMBUS_TRUST_PROXY) app.set('trust proxy', config.NIMBUS_TRUST_PROXY);
  app.enableShutdownHooks();
  app.use(requestContext(logger, app.get(MetricsService), config.NIMBUS_ACCESS_LOG));
  app.use(jsonBodies(config.NIMBUS_BODY_LIMIT));
  app.use(app.get(AppListCache).forgetOnWrites());

  if (!init) return app;
  // Registered before init, ahead of Nest's not-found handler; the document needs the initialised app.
  let document = '';
  const server = app.getHttpAdapter().getInstance() as Express;
  serveConsole(server, config.NIMBUS_CONSOLE_DIR, logger);
  server.get('/v1/openapi.json', (_request: Request, response: Response) => {
    response.type('application/json').send(document);
  });
  await app.init();
  document = JSON.stringify(buildOpenApiDocument(app));
  return app;
}
