import type { NestExpressApplication } from '@nestjs/platform-express';
import { createGatewayApp, gatewayConfigSchema, type GatewayConfig } from '@nimbus/gateway';
import { startTestGateway as startGateway, type TestGateway as GenericTestGateway } from '@nimbus/testing';

export type TestGateway = GenericTestGateway<NestExpressApplication, GatewayConfig>;

/** A real gateway on a loopback port, with its own database and Redis prefix. */
export function startTestGateway(env: Record<string, string> = {}): Promise<TestGateway> {
  return startGateway(
    { parseConfig: (raw) => gatewayConfigSchema.parse(raw), createApp: createGatewayApp },
    env,
  );
}
