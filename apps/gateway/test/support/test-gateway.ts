import type { NestExpressApplication } from '@nestjs/platform-express';
import { startTestGateway as startGateway, type TestGateway as GenericTestGateway } from '@nimbus/testing';
import { createGatewayApp } from '../../src/create-app';
import { gatewayConfigSchema, type GatewayConfig } from '../../src/gateway.config';

export type TestGateway = GenericTestGateway<NestExpressApplication, GatewayConfig>;

/** A real gateway on a loopback port, with its own database and Redis prefix. */
export function startTestGateway(env: Record<string, string> = {}): Promise<TestGateway> {
  return startGateway(
    { parseConfig: (raw) => gatewayConfigSchema.parse(raw), createApp: createGatewayApp },
    env,
  );
}

/** A second gateway on `first`'s database, Redis prefix and master key, as replicas run. */
export function startReplica(first: TestGateway): Promise<TestGateway> {
  return startTestGateway({
    DATABASE_URL: first.database.url,
    NIMBUS_REDIS_PREFIX: first.config.NIMBUS_REDIS_PREFIX,
    NIMBUS_MASTER_KEY: first.config.NIMBUS_MASTER_KEY.toString('base64'),
  });
}
