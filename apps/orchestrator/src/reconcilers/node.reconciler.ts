import { leaseTransition } from '@nimbus/cluster';
import {
  EventRepository,
  NodeInstanceRepository,
  NodeRepository,
  type Db,
  type SystemScope,
} from '@nimbus/db';

export interface NodeOutcome {
  /** Apps that lost or regained instances and must be looked at. */
  apps: Set<string>;
  nodes: Set<string>;
}

/**
 * The node lifecycle: a node whose lease expired is NotReady and its instances are lost (their
 * apps replace them elsewhere); one renewing again is Ready (see {@link leaseTransition}). A
 * drained node's instances are evicted: replaced elsewhere first, then stopped, like a rollout.
 */
export class NodeReconciler {
  constructor(
    private readonly system: SystemScope,
    private readonly leaseMs: number,
  ) {}

  async reconcile(tx: Db, now: Date): Promise<NodeOutcome> {
    const outcome: NodeOutcome = { apps: new Set(), nodes: new Set() };
    const nodes = new NodeRepository(tx);
    const instances = new NodeInstanceRepository(tx);
    const events = new EventRepository(tx);
    for (const node of await nodes.list(this.system)) {
      const transition = leaseTransition(node, now, this.leaseMs);
      if (transition === 'expired') {
        await nodes.setReady(this.system, node.id, false);
        const lost = await instances.listLiveOnNode(this.system, node.id);
        const ids = lost.map((i) => i.id);
        await instances.markLost(this.system, ids, now);
        await instances.bumpVersions(this.system, ids);
        await events.recordForNode(this.system, {
          nodeId: node.id,
          type: 'Warning',
          reason: 'NodeNotReady',
          message: `node ${node.name} stopped renewing its lease; ${lost.length} instance(s) will run elsewhere`,
        });
        for (const instance of lost) outcome.apps.add(instance.appId);
        outcome.nodes.add(node.id);
      } else if (transition === 'renewed') {
        await nodes.setReady(this.system, node.id, true);
        await events.recordForNode(this.system, {
          nodeId: node.id,
          type: 'Normal',
          reason: 'NodeReady',
          message: `node ${node.name} is back`,
        });
        // Pending instances may fit now.
        for (const appId of await instances.appsWithUnplaced(this.system)) outcome.apps.add(appId);
      }
      if (node.draining) {
        const evicting = await instances.listEvictable(this.system, node.id);
        if (evicting.length) {
          await instances.markEvicted(
            this.system,
            evicting.map((i) => i.id),
          );
          for (const instance of evicting) outcome.apps.add(instance.appId);
        }
      }
    }
    return outcome;
  }
}
