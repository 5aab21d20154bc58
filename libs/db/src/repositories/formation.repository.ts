import type { Db } from '../prisma-client';
import type { SystemScope, TenantScope } from '../tenant-scope';
import type { Formation } from '../generated/prisma/client';

export interface FormationChange {
  replicas?: number;
  cpuMillis?: number;
  memoryMb?: number;
}

export interface NewFormation {
  processType: string;
  replicas: number;
  memoryMb?: number;
}

/** How many instances of each process type an app should run, and how big. */
export class FormationRepository {
  constructor(private readonly db: Db) {}

  list(scope: TenantScope, appId: string): Promise<Formation[]> {
    return this.db.formation.findMany({
      where: { tenantId: scope.tenantId, appId },
      orderBy: { processType: 'asc' },
    });
  }

  listTypes(scope: TenantScope, appId: string, processTypes: string[]): Promise<Formation[]> {
    return this.db.formation.findMany({
      where: { tenantId: scope.tenantId, appId, processType: { in: processTypes } },
    });
  }

  find(scope: TenantScope, appId: string, processType: string): Promise<Formation | null> {
    return this.db.formation.findFirst({ where: { tenantId: scope.tenantId, appId, processType } });
  }

  /** Every formation of every app in the namespace: what its quota is measured against. */
  listInNamespace(scope: TenantScope, namespaceId: string): Promise<Formation[]> {
    return this.db.formation.findMany({ where: { tenantId: scope.tenantId, app: { namespaceId } } });
  }

  /** The control plane's: the formations of many apps at once (the autoscaler's sync). */
  listOfApps(_system: SystemScope, appIds: string[]): Promise<Formation[]> {
    return this.db.formation.findMany({ where: { appId: { in: appIds } } });
  }

  /**
   * Sets the replicas if they still are `expected` (an autoscaler's compare-and-set: a scale
   * decided on what was read must not overwrite a change made since). Returns whether it did.
   */
  async setReplicasIf(
    scope: TenantScope,
    appId: string,
    processType: string,
    expected: number,
    replicas: number,
  ): Promise<boolean> {
    const { count } = await this.db.formation.updateMany({
      where: { tenantId: scope.tenantId, appId, processType, replicas: expected },
      data: { replicas },
    });
    return count === 1;
  }

  /** Changes the process type's formation, creating it with `replicas` when it has none yet. */
  async put(
    scope: TenantScope,
    appId: string,
    processType: string,
    change: FormationChange & { replicas: number },
    update: FormationChange,
  ): Promise<void> {
    await this.db.formation.upsert({
      where: { appId_processType: { appId, processType } },
      create: { tenantId: scope.tenantId, appId, processType, ...change },
      update,
    });
  }
  /** Creates those of `formations` the app does not have yet; existing ones are left as they are. */
  async createMissing(scope: TenantScope, appId: string, formations: NewFormation[]): Promise<void> {
    await this.db.formation.createMany({
      data: formations.map((formation) => ({ tenantId: scope.tenantId, appId, ...formation })),
      skipDuplicates: true,
    });
  }
}
