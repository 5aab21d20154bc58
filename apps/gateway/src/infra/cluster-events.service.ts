import { Inject, Injectable } from '@nestjs/common';
import { publishWake, type Wake } from '@nimbus/cluster';
import type { Logger } from '@nimbus/logging';
import { LOGGER } from './logger.token';
import { RedisService } from './redis.service';

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
    this.publish({ to: 'orchestrator', changed: { kind: 'app', id: appId } });
  }

  wakeNode(nodeId: string): void {
    this.publish({ to: 'orchestrator', changed: { kind: 'node', id: nodeId } });
  }

  /** Fresh instance metrics of a node: the autoscaler need not wait for its next sync. */
  metricsRecorded(nodeId: string): void {
    this.publish({ to: 'orchestrator', changed: { kind: 'metrics', id: nodeId } });
  }

  /** A node's assignments changed: its watches should read them. */
  wakeNodeWatch(nodeId: string): void {
    this.publish({ to: 'node', nodeId });
  }

  private publish(wake: Wake): void {
    publishWake(this.redis.client, this.redis.prefix, wake).catch((error: unknown) =>
      this.logger.warn({ err: error, wake }, 'wake-up not sent'),
    );
  }
}
