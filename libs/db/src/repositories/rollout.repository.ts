import type { Db } from '../prisma-client';
import type { TenantScope } from '../tenant-scope';
import type { Rollout } from '../generated/prisma/client';

export interface NewRollout {
  appId: string;
  releaseVersion: number;
  /** The release to roll back to should this one fail. */
  previousVersion: number | null;
  deadlineAt: Date;
}

/** Rollouts of an app's releases. */
export class RolloutRepository {
  constructor(private readonly db: Db) {}

  /** The latest rollout of release `releaseVersion`. */
  latestOf(scope: TenantScope, appId: string, releaseVersion: number): Promise<Rollout | null> {
    return this.db.rollout.findFirst({
      where: { tenantId: scope.tenantId, appId, releaseVersion },
      orderBy: { createdAt: 'desc' },
    });
  }

  latest(scope: TenantScope, appId: string): Promise<Rollout | null> {
    return this.db.rollout.findFirst({
      where: { tenantId: scope.tenantId, appId },
      orderBy: { createdAt: 'desc' },
    });
  }
  /** The latest rollout of release `version`. */
  latestOfRelease(scope: TenantScope, appId: string, version: number): Promise<Rollout | null> {
    return this.db.rollout.findFirst({
      where: { tenantId: scope.tenantId, appId, releaseVersion: version },
      orderBy: { createdAt: 'desc' },
    });
  }

  /** The app's first rollout that completed: its first deploy. */
  firstComplete(scope: TenantScope, appId: string): Promise<Rollout | null> {
    return this.db.rollout.findFirst({
      where: { tenantId: scope.tenantId, appId, status: 'complete' },
      orderBy: { createdAt: 'asc' },
    });
  }

  start(scope: TenantScope, rollout: NewRollout): Promise<Rollout> {
    return this.db.rollout.create({ data: { tenantId: scope.tenantId, ...rollout } });
  }

  async complete(scope: TenantScope, id: string, at: Date): Promise<void> {
    await this.db.rollout.update({
      where: { id, tenantId: scope.tenantId },
      data: { status: 'complete', finishedAt: at },
    });
  }

  async fail(scope: TenantScope, id: string, reason: string, at: Date): Promise<void> {
    await this.db.rollout.update({
      where: { id, tenantId: scope.tenantId },
      data: { status: 'failed', reason, finishedAt: at },
    });
  }
}
