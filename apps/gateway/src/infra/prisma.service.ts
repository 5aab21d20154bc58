import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { createPrismaClient, pingDatabase, type DbClient } from '@nimbus/db';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';

/** The one database client of the process; refuses to start when the database does not answer. */
@Injectable()
export class PrismaService implements OnModuleInit, OnModuleDestroy {
  readonly client: DbClient;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.client = createPrismaClient(config.DATABASE_URL, { poolSize: config.NIMBUS_DB_POOL_SIZE });
  }

  async onModuleInit(): Promise<void> {
    await pingDatabase(this.client);
  }

  async onModuleDestroy(): Promise<void> {
    await this.client.$disconnect();
  }
}
