import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { BuildOutputStream, createBuildQueue, enqueueBuild, type BuildJob } from '@nimbus/queue';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { RedisService } from '../infra/redis.service';

/** The gateway's ends of the build queue (wake a builder) and of the builds' output streams. */
@Injectable()
export class BuildQueueService implements OnModuleDestroy {
  readonly output: BuildOutputStream;
  private queue: Queue<BuildJob> | null = null;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    redis: RedisService,
  ) {
    this.output = new BuildOutputStream(redis.client, redis.prefix);
  }

  async enqueue(buildId: string): Promise<void> {
    // Opened on first use: most gateway processes never see a push.
    this.queue ??= createBuildQueue(this.config.REDIS_URL, this.config.NIMBUS_REDIS_PREFIX);
    await enqueueBuild(this.queue, buildId);
  }

  async onModuleDestroy(): Promise<void> {
    await this.queue?.close();
  }
}
