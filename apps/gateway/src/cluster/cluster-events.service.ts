import { Inject, Injectable } from '@nestjs/common';
import { encodeWake, nodeWakeChannel, orchestratorWakeChannel } from '@nimbus/cluster';
import type { Logger } from '@nimbus/logging';
import { LOGGER } from '../infra/logger.token';
import { RedisService } from '../infra/redis.service';

/**
 * Wake-ups for the control plane's level-triggered loops. A lost one costs only latency: the
 * orchestrator resyncs periodically and watches resume from their resource version.
 */
@Injectable()
export class ClusterEventsService {
  constructor(
    private readonly redis: RedisService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Something about this app changed: its controllers should look again. */
  wakeApp(appId: string): void {
    this.publish(orchestratorWakeChannel(this.redis.prefix), encodeWake({ kind: 'app', id: appId }));
  }

  wakeNode(nodeId: string): void {
    this.publish(orchestratorWakeChannel(this.redis.prefix), encodeWake({ kind: 'node', id: nodeId }));
  }

  /** A node's assignments changed: its watches should read them. */
  wakeNodeWatch(nodeId: string): void {
    this.publish(nodeWakeChannel(this.redis.prefix, nodeId), 'changed');
  }

  private publish(channel: string, message: string): void {
    this.redis.client
      .publish(channel, message)
      .catch((error: unknown) => this.logger.warn({ err: error, channel }, 'wake-up not sent'));
  }
}
