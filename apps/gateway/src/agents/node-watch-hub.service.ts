import { EventEmitter } from 'node:events';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { readWake, wakeSubscriptions } from '@nimbus/cluster';
import type { Logger } from '@nimbus/logging';
import { LOGGER } from '../infra/logger.token';
import { RedisService } from '../infra/redis.service';

/**
 * One Redis subscription per gateway process for every node watch it serves: a wake-up for a
 * node reaches each of that node's open watches here. After a reconnect every watch is woken,
 * since wake-ups sent meanwhile are gone.
 */
@Injectable()
export class NodeWatchHub implements OnModuleDestroy {
  private subscriber: Redis | null = null;
  private readonly watchers = new EventEmitter().setMaxListeners(0);

  constructor(
    private readonly redis: RedisService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Calls `wake` on every wake-up for the node until the returned function is called. */
  subscribe(nodeId: string, wake: () => void): () => void {
    this.connect();
    this.watchers.on(nodeId, wake);
    return () => this.watchers.off(nodeId, wake);
  }

  private connect(): void {
    if (this.subscriber) return;
    const pattern = wakeSubscriptions.nodesPattern(this.redis.prefix);
    const subscriber = this.redis.client.duplicate({ lazyConnect: false, enableOfflineQueue: true });
    subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => {
      const wake = readWake(this.redis.prefix, channel, message);
      if (wake?.to === 'node') this.watchers.emit(wake.nodeId);
    });
    subscriber.on('ready', () => {
      for (const nodeId of this.watchers.eventNames()) this.watchers.emit(nodeId);
    });
    subscriber.on('error', (error) => this.logger.warn({ err: error }, 'node watch subscription error'));
    void subscriber
      .psubscribe(pattern)
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not subscribe to node wake-ups'));
    this.subscriber = subscriber;
  }

  onModuleDestroy(): void {
    this.subscriber?.disconnect();
  }
}
