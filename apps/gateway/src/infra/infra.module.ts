import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from '@nimbus/logging';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { ClusterEventsService } from './cluster-events.service';
import { KeyringService } from './keyring.service';
import { LOGGER } from './logger.token';
import { MetricsService } from './metrics.service';
import { metricsStoreProvider } from './metrics-store.provider';
import { PrismaService } from './prisma.service';
import { RedisService } from './redis.service';

/** The process's configuration, logger, clients and keyring: what every domain may use. */
@Global()
@Module({})
export class InfraModule {
  static forRoot(config: GatewayConfig, logger: Logger): DynamicModule {
    const providers = [
      { provide: GATEWAY_CONFIG, useValue: config },
      { provide: LOGGER, useValue: logger },
      PrismaService,
      RedisService,
      MetricsService,
      metricsStoreProvider,
      KeyringService,
      ClusterEventsService,
    ];
    return { module: InfraModule, providers, exports: providers };
  }
}
