import type { Db } from '../prisma-client';
import type { SystemScope, TenantScope } from '../tenant-scope';
import type { Autoscaler, Instance, InstancePhase, Prisma } from '../generated/prisma/client';

/** What an app sets of a process type's autoscaler; the control plane's state is kept apart. */
export interface AutoscalerSpec {
  minReplicas: number;
  maxReplicas: number;
  targetCpuPercent: number | null;
  targetConcurrency: number | null;
  targetRps: number | null;
  /** Kubernetes' `behavior` overrides, validated by the caller (libs/cluster's rules). */
  behavior: Prisma.InputJsonObject;
  idleTimeoutMs: number;
}

const AUTOSCALER_CONTEXT = {
  app: {
    select: {
      id: true,
      name: true,
      namespace: { select: { id: true, name: true } },
      tenant: { select: { id: true, name: true } },
    },
  },
} satisfies Prisma.AutoscalerInclude;

/** The control plane may change any tenant's; a tenant scope limits the change to its own. */
function owned(scope: TenantScope | SystemScope, id: string): Prisma.AutoscalerWhereInput {
  return 'tenantId' in scope ? { id, tenantId: scope.tenantId } : { id };
}

/** An autoscaler with the app, namespace and tenant it belongs to (for events and logs). */
export type AutoscalerWithApp = Prisma.AutoscalerGetPayload<{ include: typeof AUTOSCALER_CONTEXT }>;

/**
 * Autoscalers of apps' process types. Apps set and remove them under their {@link TenantScope};
 * the orchestrator reads all of them and records what it did under its {@link SystemScope}.
 */
export class AutoscalerRepository {
  constructor(private readonly db: Db) {}

  listOfApp(scope: TenantScope, appId: string): Promise<Autoscaler[]> {
    return this.db.autoscaler.findMany({
      where: { tenantId: scope.tenantId, appId },
      orderBy: { processType: 'asc' },
    });
  }

  find(scope: TenantScope, appId: string, processType: string): Promise<Autoscaler | null> {
    return this.db.autoscaler.findFirst({ where: { tenantId: scope.tenantId, appId, processType } });
  }

  /**
   * Creates or replaces the process type's autoscaler. Replacing keeps the control plane's state
   * (scaledToZeroAt, lastScaleAt): new bounds do not make an idle type forget it is idle.
   */
  upsert(scope: TenantScope, appId: string, processType: string, spec: AutoscalerSpec): Promise<Autoscaler> {
    return this.db.autoscaler.upsert({
      where: { appId_processType: { appId, processType }, tenantId: scope.tenantId },
      create: { tenantId: scope.tenantId, appId, processType, ...spec },
      update: spec,
    });
  }

  /** Removes the autoscaler and returns what it was; null when the type had none. */
  async delete(scope: TenantScope, appId: string, processType: string): Promise<Autoscaler | null> {
    const existing = await this.find(scope, appId, processType);
    if (!existing) return null;
    await this.db.autoscaler.delete({ where: { id: existing.id, tenantId: scope.tenantId } });
    return existing;
  }

  /** The control plane's: every autoscaler of every tenant, with the names its events carry. */
  listAll(_system: SystemScope): Promise<AutoscalerWithApp[]> {
    return this.db.autoscaler.findMany({
      include: AUTOSCALER_CONTEXT,
      orderBy: [{ appId: 'asc' }, { processType: 'asc' }],
    });
  }

  /** The control plane's: one process type's autoscaler, with its app's names. */
  findWithApp(_system: SystemScope, appId: string, processType: string): Promise<AutoscalerWithApp | null> {
    return this.db.autoscaler.findUnique({
      where: { appId_processType: { appId, processType } },
      include: AUTOSCALER_CONTEXT,
    });
  }

  /**
   * The control plane's: the services of the apps that run or are starting (not draining), the
   * instances the autoscaler counts as the current replicas.
   */
  listCountedInstances(
    _system: SystemScope,
    appIds: string[],
    finishedPhases: InstancePhase[],
  ): Promise<Pick<Instance, 'id' | 'appId' | 'processType' | 'ready' | 'readyAt'>[]> {
    return this.db.instance.findMany({
      where: {
        appId: { in: appIds },
        kind: 'service',
        desiredState: 'running',
        drainingSince: null,
        phase: { notIn: finishedPhases },
      },
      select: { id: true, appId: true, processType: true, ready: true, readyAt: true },
    });
  }

  /** The control plane's: the type went to zero because it was idle (and when it changed replicas). */
  async markScaledToZero(scope: TenantScope | SystemScope, id: string, at: Date): Promise<void> {
    await this.db.autoscaler.updateMany({
      where: owned(scope, id),
      data: { scaledToZeroAt: at, lastScaleAt: at },
    });
  }

  /** The control plane's: the type was woken from zero; it is no longer idle. */
  async clearScaledToZero(scope: TenantScope | SystemScope, id: string): Promise<void> {
    await this.db.autoscaler.updateMany({
      where: { ...owned(scope, id), scaledToZeroAt: { not: null } },
      data: { scaledToZeroAt: null },
    });
  }

  /** The control plane's: the autoscaler changed the type's replicas at `at`. */
  async recordScale(scope: TenantScope | SystemScope, id: string, at: Date): Promise<void> {
    await this.db.autoscaler.updateMany({
      where: owned(scope, id),
      data: { lastScaleAt: at },
    });
  }
}
