import {
  FINISHED_PHASES,
  Scheduler,
  nodeIsReady,
  type NamespaceQuota,
  type SchedulableNode,
} from '@nimbus/cluster';
import {
  EventRepository,
  InstanceRepository,
  NodeInstanceRepository,
  ReleaseRepository,
  type AppWithContext,
  type Db,
  type Node,
  type SystemScope,
  type TenantScope,
} from '@nimbus/db';
import type { ReconcileOutcome } from './reconcile-outcome';

type Bound = Awaited<ReturnType<NodeInstanceRepository['boundPerNodeAndApp']>>;

/**
 * Places the app's unplaced instances with the {@link Scheduler}, on a snapshot of every node
 * and the namespace's quota; what cannot be placed says why, and waits for capacity.
 */
export class ScheduleReconciler {
  constructor(
    private readonly system: SystemScope,
    private readonly leaseMs: number,
  ) {}

  async reconcile(
    tx: Db,
    scope: TenantScope,
    app: AppWithContext,
    nodes: Node[],
    outcome: ReconcileOutcome,
  ): Promise<void> {
    const instances = new InstanceRepository(tx);
    const nodeInstances = new NodeInstanceRepository(tx);
    const pending = await instances.listUnplaced(scope, app.id);
    if (!pending.length) return;
    const bound = await nodeInstances.boundPerNodeAndApp(this.system, FINISHED_PHASES);
    const snapshot = schedulableNodes(nodes, bound, new Date(), this.leaseMs);
    const used = await instances.usedInNamespace(scope, app.namespaceId, FINISHED_PHASES);
    const scheduler = new Scheduler(snapshot, [quotaOf(app, used)]);
    const events = new EventRepository(tx);
    const images = await imagesOf(tx, scope, app.id, pending);
    for (const instance of pending) {
      const imageDigest = images.get(instance.releaseVersion);
      const placement = scheduler.place({
        instanceId: instance.id,
        appId: app.id,
        namespaceId: app.namespaceId,
        cpuMillis: instance.cpuMillis,
        memoryMb: instance.memoryMb,
        runtime: app.runtime,
        ...(imageDigest ? { imageDigest } : {}),
      });
      if (placement.nodeId !== null) {
        await instances.bind(scope, instance.id, placement.nodeId);
        await nodeInstances.bumpVersions(scope, [instance.id]);
        outcome.nodes.add(placement.nodeId);
      } else if (instance.message !== placement.reason) {
        await instances.markUnschedulable(scope, instance.id, placement.reason);
        await events.recordForApp(scope, app.id, {
          type: 'Warning',
          reason: 'FailedScheduling',
          message: `${instance.processType} instance: ${placement.reason}`,
        });
      }
    }
  }
}

/** The image of each release the instances run (usually one), for the scheduler's image locality. */
async function imagesOf(
  tx: Db,
  scope: TenantScope,
  appId: string,
  instances: { releaseVersion: number }[],
): Promise<Map<number, string>> {
  const releases = new ReleaseRepository(tx);
  const images = new Map<number, string>();
  for (const version of new Set(instances.map((instance) => instance.releaseVersion))) {
    const release = await releases.find(scope, appId, version);
    if (release) images.set(version, release.imageDigest);
  }
  return images;
}

/** Nodes with what is bound to them: requests of live instances, and instances per app for spreading. */
function schedulableNodes(nodes: Node[], bound: Bound, now: Date, leaseMs: number): SchedulableNode[] {
  return nodes.map((node) => {
    const rows = bound.filter((row) => row.nodeId === node.id);
    return {
      id: node.id,
      name: node.name,
      ready: nodeIsReady(node, now, leaseMs),
      cordoned: node.cordoned,
      labels: node.labels as Record<string, string>,
      runtimes: node.runtimes,
      capacity: { cpuMillis: node.cpuMillis, memoryMb: node.memoryMb },
      allocated: {
        cpuMillis: rows.reduce((sum, row) => sum + row.cpuMillis, 0),
        memoryMb: rows.reduce((sum, row) => sum + row.memoryMb, 0),
      },
      appInstances: Object.fromEntries(rows.map((row) => [row.appId, row.instances])),
      cachedImages: node.cachedImages,
    };
  });
}

/** The namespace's quota and what its placed instances already use. */
function quotaOf(app: AppWithContext, used: NamespaceQuota['used']): NamespaceQuota {
  return {
    namespaceId: app.namespaceId,
    maxInstances: app.namespace.maxInstances,
    maxMemoryMb: app.namespace.maxMemoryMb,
    maxCpuMillis: app.namespace.maxCpuMillis,
    used,
  };
}
