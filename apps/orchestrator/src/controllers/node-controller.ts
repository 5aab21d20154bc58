import type { Db } from '@nimbus/db';
import { bumpVersions } from './app-controller';

export interface NodeOutcome {
  /** Apps that lost or regained instances and must be looked at. */
  apps: Set<string>;
  nodes: Set<string>;
}

/**
 * The node lifecycle controller: a node whose lease expired is NotReady and its instances are
 * lost (their apps replace them elsewhere); one renewing again is Ready. A drained node's
 * instances are evicted: replaced elsewhere first, then stopped, like a rollout.
 */
export class NodeController {
  constructor(private readonly leaseMs: number) {}

  async reconcile(tx: Db, now: Date): Promise<NodeOutcome> {
    const outcome: NodeOutcome = { apps: new Set(), nodes: new Set() };
    const expiredBefore = new Date(now.getTime() - this.leaseMs);
    for (const node of await tx.node.findMany()) {
      const fresh = node.leaseRenewedAt >= expiredBefore;
      if (node.ready && !fresh) {
        await tx.node.update({ where: { id: node.id }, data: { ready: false } });
        const lost = await tx.instance.findMany({
          where: { nodeId: node.id, desiredState: 'running', phase: { notIn: ['exited', 'failed'] } },
        });
        await tx.instance.updateMany({
          where: { id: { in: lost.map((i) => i.id) } },
          data: { desiredState: 'stopped', phase: 'lost', ready: false, reason: 'NodeLost', finishedAt: now },
        });
        await bumpVersions(
          tx,
          lost.map((i) => i.id),
        );
        await tx.event.create({
          data: {
            nodeId: node.id,
            type: 'Warning',
            reason: 'NodeNotReady',
            message: `node ${node.name} stopped renewing its lease; ${lost.length} instance(s) will run elsewhere`,
          },
        });
        for (const instance of lost) outcome.apps.add(instance.appId);
        outcome.nodes.add(node.id);
      } else if (!node.ready && fresh) {
        await tx.node.update({ where: { id: node.id }, data: { ready: true } });
        await tx.event.create({
          data: {
            nodeId: node.id,
            type: 'Normal',
            reason: 'NodeReady',
            message: `node ${node.name} is back`,
          },
        });
        // Pending instances may fit now.
        for (const app of await tx.instance.findMany({
          where: { nodeId: null, phase: 'pending' },
          select: { appId: true },
          distinct: ['appId'],
        }))
          outcome.apps.add(app.appId);
      }
      if (node.draining) {
        const evicting = await tx.instance.findMany({
          where: {
            nodeId: node.id,
            kind: 'service',
            desiredState: 'running',
            evicted: false,
            drainingSince: null,
          },
        });
        if (evicting.length) {
          await tx.instance.updateMany({
            where: { id: { in: evicting.map((i) => i.id) } },
            data: { evicted: true },
          });
          for (const instance of evicting) outcome.apps.add(instance.appId);
        }
      }
    }
    return outcome;
  }
}
