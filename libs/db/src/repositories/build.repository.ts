import type { DbClient, Db } from '../prisma-client';
import type { SystemScope, TenantScope } from '../tenant-scope';
import type { Build } from '../generated/prisma/client';

export interface NewBuild {
  commit: string;
  ref: string;
  sourcePath: string;
  actorUserId: string | null;
}

/** What a builder records when it is done with a build, either way. */
export type FinishedBuild =
  | {
      status: 'succeeded';
      stack: string;
      imageDigest: string;
      imageSizeBytes: number;
      releaseVersion: number;
      output: string;
    }
  | { status: 'failed'; failureReason: string; output: string; stack?: string; imageDigest?: string };

/** Builds that may run at once; more are refused when the push arrives, not queued without end. */
export interface BuildLimits {
  perApp: number;
  perTenant: number;
}

/** A push the limits refuse, naming which limit so the pusher knows what to wait for. */
export class BuildLimitError extends Error {
  constructor(
    readonly limit: 'app' | 'tenant',
    readonly running: number,
  ) {
    super(
      limit === 'app'
        ? `this app already has ${running} build(s) running; wait for ${running === 1 ? 'it' : 'them'} to finish`
        : `this tenant already has ${running} builds running, its limit; try again when one finishes`,
    );
  }
}

const ACTIVE = { in: ['queued' as const, 'building' as const] };

/**
 * Builds of one tenant's apps for the API, and the claim / heartbeat / finish protocol by which
 * builders take them up: a build belongs to the builder whose attempt number it carries, and a
 * builder that stops renewing its heartbeat loses it to the next.
 */
export class BuildRepository {
  constructor(private readonly db: Db) {}

  /**
   * Records a queued build unless the app or tenant is at its limit. Holds the tenant row's lock
   * while counting, so two pushes cannot both take the last slot.
   */
  static async create(
    client: DbClient,
    scope: TenantScope,
    appId: string,
    build: NewBuild,
    limits: BuildLimits,
  ): Promise<Build> {
    return client.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT 1 FROM "Tenant" WHERE id = ${scope.tenantId}::uuid FOR UPDATE`;
      const active = await tx.build.groupBy({
        by: ['appId'],
        where: { tenantId: scope.tenantId, status: ACTIVE },
        _count: { _all: true },
      });
      const forApp = active.find((row) => row.appId === appId)?._count._all ?? 0;
      if (forApp >= limits.perApp) throw new BuildLimitError('app', forApp);
      const forTenant = active.reduce((total, row) => total + row._count._all, 0);
      if (forTenant >= limits.perTenant) throw new BuildLimitError('tenant', forTenant);
      return tx.build.create({ data: { tenantId: scope.tenantId, appId, ...build } });
    });
  }

  list(scope: TenantScope, appId: string, limit: number): Promise<Build[]> {
    return this.db.build.findMany({
      where: { tenantId: scope.tenantId, appId },
      orderBy: { createdAt: 'desc' },
      take: limit,
    });
  }

  find(scope: TenantScope, appId: string, id: string): Promise<Build | null> {
    return this.db.build.findFirst({ where: { tenantId: scope.tenantId, appId, id } });
  }

  /** For builders, which act on any tenant's build by its id. */
  findById(_system: SystemScope, id: string): Promise<Build | null> {
    return this.db.build.findUnique({ where: { id } });
  }

  /**
   * Takes a build that is queued, or whose builder's heartbeat is older than `staleBefore`.
   * Returns the build with its new attempt number, or null if another builder holds it or it ended.
   */
  async claim(system: SystemScope, id: string, staleBefore: Date): Promise<Build | null> {
    const now = new Date();
    const { count } = await this.db.build.updateMany({
      where: {
        id,
        OR: [{ status: 'queued' }, { status: 'building', heartbeatAt: { lt: staleBefore } }],
      },
      data: { status: 'building', attempts: { increment: 1 }, heartbeatAt: now, startedAt: now },
    });
    return count ? this.findById(system, id) : null;
  }

  /** Renews the holder's claim; false means the build was taken over or ended meanwhile. */
  async heartbeat(_system: SystemScope, id: string, attempt: number): Promise<boolean> {
    const { count } = await this.db.build.updateMany({
      where: { id, status: 'building', attempts: attempt },
      data: { heartbeatAt: new Date() },
    });
    return count === 1;
  }

  /** Ends the build for its holder; false if it no longer holds it. */
  async finish(_system: SystemScope, id: string, attempt: number, result: FinishedBuild): Promise<boolean> {
    const { count } = await this.db.build.updateMany({
      where: { id, status: 'building', attempts: attempt },
      data: { ...result, finishedAt: new Date(), heartbeatAt: null },
    });
    return count === 1;
  }

  /** Fails a build nobody can finish (its builder died too often), whoever last held it. */
  async abandon(_system: SystemScope, id: string, reason: string): Promise<boolean> {
    const { count } = await this.db.build.updateMany({
      where: { id, status: ACTIVE },
      data: { status: 'failed', failureReason: reason, finishedAt: new Date(), heartbeatAt: null },
    });
    return count === 1;
  }

  /**
   * Builds that should be running but that no builder is known to hold: queued before
   * `queuedBefore` (their wake-up may have been lost with Redis) or building with a stale heartbeat.
   */
  stranded(_system: SystemScope, staleBefore: Date, queuedBefore: Date): Promise<Build[]> {
    return this.db.build.findMany({
      where: {
        OR: [
          { status: 'queued', createdAt: { lt: queuedBefore } },
          { status: 'building', heartbeatAt: { lt: staleBefore } },
        ],
      },
      orderBy: { createdAt: 'asc' },
      take: 100,
    });
  }
}
