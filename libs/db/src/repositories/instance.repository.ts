import type { Db } from '../prisma-client';
import type { SystemScope, TenantScope } from '../tenant-scope';
import type { Instance, InstancePhase, Node, Prisma } from '../generated/prisma/client';

/** An instance with the app, namespace and tenant an agent's assignment names. */
export const INSTANCE_CONTEXT = {
  app: { include: { namespace: true, tenant: true } },
} satisfies Prisma.InstanceInclude;
export type InstanceWithApp = Prisma.InstanceGetPayload<{ include: typeof INSTANCE_CONTEXT }>;

/** What an agent reports of an instance it runs. */
export type InstanceStatusUpdate = Pick<
  Prisma.InstanceUncheckedUpdateInput,
  | 'phase'
  | 'ready'
  | 'restarts'
  | 'exitCode'
  | 'reason'
  | 'message'
  | 'lastFailure'
  | 'port'
  | 'cpuPercent'
  | 'memoryBytes'
  | 'startedAt'
  | 'readyAt'
  | 'finishedAt'
>;

export interface NewOneOffInstance {
  appId: string;
  namespaceId: string;
  command: string;
  releaseVersion: number;
  cpuMillis: number;
  memoryMb: number;
}

/** `count` new services of a process type of a release, sized by its formation. */
export interface NewServiceInstances {
  appId: string;
  namespaceId: string;
  processType: string;
  releaseVersion: number;
  cpuMillis: number;
  memoryMb: number;
  count: number;
}

/**
 * Instances: per tenant for the API (an app's processes), across tenants for the control plane
 * (what a node runs), which needs a {@link SystemScope}.
 */
export class InstanceRepository {
  constructor(private readonly db: Db) {}

  /** What of the app runs or should: finished one-offs and stopped instances are history. */
  listCurrent(
    scope: TenantScope,
    appId: string,
    finishedPhases: InstancePhase[],
  ): Promise<(Instance & { node: Node | null })[]> {
    return this.db.instance.findMany({
      where: {
        tenantId: scope.tenantId,
        appId,
        OR: [{ kind: 'service', desiredState: 'running' }, { phase: { notIn: finishedPhases } }],
      },
      include: { node: true },
      orderBy: [{ processType: 'asc' }, { createdAt: 'asc' }],
    });
  }

  findForApp(
    scope: TenantScope,
    appId: string,
    id: string,
  ): Promise<(Instance & { node: Node | null }) | null> {
    return this.db.instance.findFirst({
      where: { id, tenantId: scope.tenantId, appId },
      include: { node: true },
    });
  }

  /**
   * Asks the app's running services (of one process type) to be replaced, new before old, as a
   * deploy does. Returns how many.
   */
  async evictServices(scope: TenantScope, appId: string, processType?: string): Promise<number> {
    const { count } = await this.db.instance.updateMany({
      where: {
        tenantId: scope.tenantId,
        appId,
        kind: 'service',
        desiredState: 'running',
        ...(processType ? { processType } : {}),
      },
      data: { evicted: true },
    });
    return count;
  }

  createOneOff(scope: TenantScope, instance: NewOneOffInstance): Promise<Instance> {
    return this.db.instance.create({
      data: { tenantId: scope.tenantId, processType: 'run', kind: 'oneoff', ...instance },
    });
  }

  /** The release's services that count towards serving it: running, not draining, oldest first. */
  listLiveServices(scope: TenantScope, appId: string, releaseVersion: number): Promise<Instance[]> {
    return this.db.instance.findMany({
      where: {
        tenantId: scope.tenantId,
        appId,
        releaseVersion,
        kind: 'service',
        desiredState: 'running',
        drainingSince: null,
      },
      orderBy: { createdAt: 'asc' },
    });
  }

  /** The control plane's: an instance bound to the node, whatever its tenant. */
  findOnNode(_system: SystemScope, nodeId: string, id: string): Promise<Instance | null> {
    return this.db.instance.findFirst({ where: { id, nodeId } });
  }

  /** The control plane's: every instance bound to the node, with what its assignment names. */
  listOnNode(_system: SystemScope, nodeId: string): Promise<InstanceWithApp[]> {
    return this.db.instance.findMany({ where: { nodeId }, include: INSTANCE_CONTEXT });
  }

  /** The control plane's: the app and process type of those of `ids` bound to the node. */
  ownersOnNode(
    _system: SystemScope,
    nodeId: string,
    ids: string[],
  ): Promise<Pick<Instance, 'id' | 'appId' | 'processType'>[]> {
    return this.db.instance.findMany({
      where: { id: { in: ids }, nodeId },
      select: { id: true, appId: true, processType: true },
    });
  }

  /** The control plane's: records what the node's agent observed of an instance. */
  async updateStatus(_system: SystemScope, id: string, status: InstanceStatusUpdate): Promise<void> {
    await this.db.instance.update({ where: { id }, data: status });
  }

  /** The control plane's: resources and count of the instances that hold a place on the node. */
  async allocatedOn(
    _system: SystemScope,
    nodeId: string,
    finishedPhases: InstancePhase[],
  ): Promise<{ cpuMillis: number; memoryMb: number; instances: number }> {
    const bound = await this.db.instance.aggregate({
      where: { nodeId, desiredState: 'running', phase: { notIn: finishedPhases } },
      _sum: { cpuMillis: true, memoryMb: true },
      _count: { _all: true },
    });
    return {
      cpuMillis: bound._sum.cpuMillis ?? 0,
      memoryMb: bound._sum.memoryMb ?? 0,
      instances: bound._count._all,
    };
  }
  // The orchestrator's reconcilers: one app's instances, in the app's tenant.

  /** Every instance of the app, oldest first. */
  listOfApp(scope: TenantScope, appId: string): Promise<Instance[]> {
    return this.db.instance.findMany({
      where: { tenantId: scope.tenantId, appId },
      orderBy: { createdAt: 'asc' },
    });
  }

  /** The app's services that should run: what its rollout is judged on. */
  listRunningServices(scope: TenantScope, appId: string): Promise<Instance[]> {
    return this.db.instance.findMany({
      where: { tenantId: scope.tenantId, appId, kind: 'service', desiredState: 'running' },
    });
  }

  /** The app's instances waiting for a node, oldest first. */
  listUnplaced(scope: TenantScope, appId: string): Promise<Instance[]> {
    return this.db.instance.findMany({
      where: { tenantId: scope.tenantId, appId, nodeId: null, desiredState: 'running', phase: 'pending' },
      orderBy: { createdAt: 'asc' },
    });
  }

  /** The app's ready `web` services on ready nodes, not draining: what routers may send traffic to. */
  /**
   * The app's `web` instances meant to serve: placed or not, ready or not, but not draining. The
   * routers' table is made of the ready ones, and held requests wait for the starting ones.
   */
  listWebInService(scope: TenantScope, appId: string): Promise<(Instance & { node: Node | null })[]> {
    return this.db.instance.findMany({
      where: {
        tenantId: scope.tenantId,
        appId,
        processType: 'web',
        kind: 'service',
        desiredState: 'running',
        drainingSince: null,
      },
      include: { node: true },
    });
  }

  findById(scope: TenantScope, id: string): Promise<Instance | null> {
    return this.db.instance.findFirst({ where: { id, tenantId: scope.tenantId } });
  }

  async createServices(scope: TenantScope, services: NewServiceInstances): Promise<void> {
    const { count, ...instance } = services;
    await this.db.instance.createMany({
      data: Array.from({ length: count }, () => ({ tenantId: scope.tenantId, ...instance })),
    });
  }

  /** The one-off running the app's app.json postdeploy script. */
  createPostdeploy(scope: TenantScope, instance: NewOneOffInstance): Promise<Instance> {
    return this.db.instance.create({
      data: { tenantId: scope.tenantId, processType: 'postdeploy', kind: 'oneoff', ...instance },
    });
  }

  /** Takes instances out of the routers from `since`; they are stopped once routers caught up. */
  async drain(scope: TenantScope, ids: string[], since: Date): Promise<void> {
    await this.db.instance.updateMany({
      where: { tenantId: scope.tenantId, id: { in: ids } },
      data: { drainingSince: since },
    });
  }

  async stop(scope: TenantScope, ids: string[]): Promise<void> {
    await this.db.instance.updateMany({
      where: { tenantId: scope.tenantId, id: { in: ids } },
      data: { desiredState: 'stopped' },
    });
  }

  /** Stopped instances never placed: no agent will report them ended, so they end here. */
  async settleUnplaced(scope: TenantScope, ids: string[], at: Date): Promise<void> {
    await this.db.instance.updateMany({
      where: { tenantId: scope.tenantId, id: { in: ids } },
      data: { phase: 'exited', finishedAt: at },
    });
  }

  async bind(scope: TenantScope, id: string, nodeId: string): Promise<void> {
    await this.db.instance.update({
      where: { id, tenantId: scope.tenantId },
      data: { nodeId, reason: null, message: null },
    });
  }

  async markUnschedulable(scope: TenantScope, id: string, message: string): Promise<void> {
    await this.db.instance.update({
      where: { id, tenantId: scope.tenantId },
      data: { reason: 'Unschedulable', message },
    });
  }

  /** What the namespace's placed, unfinished instances use: measured against its quota. */
  async usedInNamespace(
    scope: TenantScope,
    namespaceId: string,
    finishedPhases: InstancePhase[],
  ): Promise<{ instances: number; memoryMb: number; cpuMillis: number }> {
    const used = await this.db.instance.aggregate({
      where: {
        tenantId: scope.tenantId,
        namespaceId,
        nodeId: { not: null },
        desiredState: 'running',
        phase: { notIn: finishedPhases },
      },
      _sum: { cpuMillis: true, memoryMb: true },
      _count: { _all: true },
    });
    return {
      instances: used._count._all,
      memoryMb: used._sum.memoryMb ?? 0,
      cpuMillis: used._sum.cpuMillis ?? 0,
    };
  }
}
