import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  createDatabasePool,
  createPrismaClient,
  pingDatabase,
  type DatabasePool,
  type DbClient,
} from '@nimbus/db';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';

/**
 * The one database client of the process, and the pool under it for prepared hot reads; refuses
 * to start when the database does not answer.
 */
@Injectable()
export class PrismaService implements OnModuleInit, OnModuleDestroy {
  readonly pool: DatabasePool;
  readonly client: DbClient;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.pool = createDatabasePool(config.DATABASE_URL, { poolSize: config.NIMBUS_DB_POOL_SIZE });
    this.client = createPrismaClient(this.pool);
  }

  async onModuleInit(): Promise<void> {
    await pingDatabase(this.client);
  }

  async onModuleDestroy(): Promise<void> {
    await this.client.$disconnect();
    await this.pool.end();
  }
}
