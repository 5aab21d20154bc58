import type { Db } from '../prisma-client';
import type { SystemScope, TenantScope } from '../tenant-scope';
import type { Instance, InstancePhase } from '../generated/prisma/client';

/**
 * Instances as nodes hold and watch them, across tenants: what the orchestrator's scheduler and
 * node lifecycle read and change. The control plane's: methods need a {@link SystemScope}.
 */
export class NodeInstanceRepository {
  constructor(private readonly db: Db) {}

  /**
   * Marks instances changed for their node's watch: their resource versions move past every
   * earlier change. The control plane may bump any tenant's; a tenant scope limits it to its own.
   */
  async bumpVersions(scope: TenantScope | SystemScope, ids: string[]): Promise<void> {
    if (!ids.length) return;
    const tenantId = 'tenantId' in scope ? scope.tenantId : null;
    await this.db.$executeRaw`
      UPDATE "Instance" SET "resourceVersion" = nextval(pg_get_serial_sequence('"Instance"', 'resourceVersion'))
      WHERE id = ANY(${ids}::uuid[]) AND (${tenantId}::uuid IS NULL OR "tenantId" = ${tenantId}::uuid)`;
  }

  /** What is bound to each node, per app: requests of unfinished instances, and how many. */
  async boundPerNodeAndApp(
    _system: SystemScope,
    finishedPhases: InstancePhase[],
  ): Promise<{ nodeId: string; appId: string; cpuMillis: number; memoryMb: number; instances: number }[]> {
    const rows = await this.db.instance.groupBy({
      by: ['nodeId', 'appId'],
      where: { nodeId: { not: null }, desiredState: 'running', phase: { notIn: finishedPhases } },
      _sum: { cpuMillis: true, memoryMb: true },
      _count: { _all: true },
    });
    return rows.map((row) => ({
      nodeId: row.nodeId as string,
      appId: row.appId,
      cpuMillis: row._sum.cpuMillis ?? 0,
      memoryMb: row._sum.memoryMb ?? 0,
      instances: row._count._all,
    }));
  }

  /** The node's instances that should run and have not ended. */
  listLiveOnNode(_system: SystemScope, nodeId: string): Promise<Instance[]> {
    return this.db.instance.findMany({
      where: { nodeId, desiredState: 'running', phase: { notIn: ['exited', 'failed'] } },
    });
  }

  /**
   * Which app and process type each of `ids` belongs to, among the instances bound to `nodeId`
   * only: an agent speaks for its own node's instances, the others are left out.
   */
  ownersOnNode(
    _system: SystemScope,
    nodeId: string,
    ids: string[],
  ): Promise<{ id: string; tenantId: string; appId: string; processType: string }[]> {
    if (!ids.length) return Promise.resolve([]);
    return this.db.instance.findMany({
      where: { nodeId, id: { in: ids } },
      select: { id: true, tenantId: true, appId: true, processType: true },
    });
  }

  /** Instances of a node that stopped answering: they will run elsewhere. */
  async markLost(_system: SystemScope, ids: string[], at: Date): Promise<void> {
    await this.db.instance.updateMany({
      where: { id: { in: ids } },
      data: { desiredState: 'stopped', phase: 'lost', ready: false, reason: 'NodeLost', finishedAt: at },
    });
  }

  /** Apps with an instance waiting for a node. */
  async appsWithUnplaced(_system: SystemScope): Promise<string[]> {
    const rows = await this.db.instance.findMany({
      where: { nodeId: null, phase: 'pending' },
      select: { appId: true },
      distinct: ['appId'],
    });
    return rows.map((row) => row.appId);
  }

  /** The node's running services not yet asked to leave it (nor draining). */
  listEvictable(_system: SystemScope, nodeId: string): Promise<Instance[]> {
    return this.db.instance.findMany({
      where: { nodeId, kind: 'service', desiredState: 'running', evicted: false, drainingSince: null },
    });
  }

  /** Asks instances to leave their node: replaced elsewhere first, then stopped. */
  async markEvicted(_system: SystemScope, ids: string[]): Promise<void> {
    await this.db.instance.updateMany({ where: { id: { in: ids } }, data: { evicted: true } });
  }

  /** Forgets stopped instances and finished one-offs that ended before `before`. */
  async deleteSettled(_system: SystemScope, before: Date, finishedPhases: InstancePhase[]): Promise<void> {
    await this.db.instance.deleteMany({
      where: {
        finishedAt: { lt: before },
        OR: [{ desiredState: 'stopped' }, { kind: 'oneoff' }],
        phase: { in: finishedPhases },
      },
    });
  }
}
