import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { InstanceMetricsBatch } from '@nimbus/cluster';
import { NodeInstanceRepository, type Node, type SystemScope } from '@nimbus/db';
import { MetricsStore, type InstanceSample } from '@nimbus/metrics';
import { ProblemException } from '../common/problem';
import { ClusterEventsService } from '../infra/cluster-events.service';
import { PrismaService } from '../infra/prisma.service';
import { SYSTEM_SCOPE } from '../infra/system-scope.module';

/** An agent's clock this far from ours is not believed: the batch is filed under our time. */
const MAX_CLOCK_SKEW_MS = 30_000;

/** Takes the agents' per-second instance metrics into the metrics store. */
@Injectable()
export class AgentMetricsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly store: MetricsStore,
    private readonly events: ClusterEventsService,
    @Inject(SYSTEM_SCOPE) private readonly system: SystemScope,
  ) {}

  /**
   * Records a node's batch. Which app and process type each instance belongs to comes from the
   * database, among the node's own instances only: a sample for any other instance is dropped.
   */
  async record(node: Node, batch: InstanceMetricsBatch, now = Date.now()): Promise<{ recorded: number }> {
    const latest = new Map(batch.samples.map((sample) => [sample.instanceId, sample]));
    const owners = await new NodeInstanceRepository(this.prisma.client).ownersOnNode(this.system, node.id, [
      ...latest.keys(),
    ]);
    const samples: InstanceSample[] = owners.map(({ id, appId, processType }) => {
      const { cpu, memoryBytes, ready } = latest.get(id) as InstanceMetricsBatch['samples'][number];
      return { instanceId: id, appId, processType, cpu, memoryBytes, ready };
    });
    const at = Math.abs(batch.at - now) <= MAX_CLOCK_SKEW_MS ? batch.at : now;
    try {
      await this.store.recordInstances(at, samples);
    } catch {
      // Metrics may be lost: the agent drops the batch and sends the next one in a second.
      throw new ProblemException(
        HttpStatus.SERVICE_UNAVAILABLE,
        'metrics/unavailable',
        'metrics cannot be stored right now',
      );
    }
    if (samples.length) this.events.metricsRecorded(node.id);
    return { recorded: samples.length };
  }
}
