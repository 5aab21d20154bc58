import type { Db } from '../prisma-client';
import type { TenantScope } from '../tenant-scope';
import type { Prisma, Release } from '../generated/prisma/client';

export interface NewRelease {
  imageDigest: string;
  processTypes: Prisma.InputJsonObject;
  configVersion: number;
  configSnapshot: Uint8Array<ArrayBuffer>;
  description: string;
  actorUserId: string | null;
  /** From the build's app.json: the formation and postdeploy script of the app's first deploy. */
  formation?: Prisma.InputJsonObject;
  postdeploy?: string | null;
}

/**
 * Releases of one tenant's apps. Written once, never updated; appended only by @nimbus/releases,
 * the one owner of cutting, deploying and rolling back.
 */
export class ReleaseRepository {
  constructor(private readonly db: Db) {}

  /**
   * Appends release vN+1 and makes it the app's current release. The counter lives on the app
   * row and is incremented in place, so concurrent releases get distinct numbers and a number
   * is never handed out twice, even if its release is later deleted with the app.
   */
  async append(scope: TenantScope, appId: string, release: NewRelease): Promise<Release> {
    const app = await this.db.app.update({
      where: { id_tenantId: { id: appId, tenantId: scope.tenantId } },
      data: { releaseCount: { increment: 1 } },
      select: { releaseCount: true },
    });
    const created = await this.db.release.create({
      data: { tenantId: scope.tenantId, appId, version: app.releaseCount, ...release },
    });
    await this.db.app.update({
      where: { id_tenantId: { id: appId, tenantId: scope.tenantId } },
      data: { currentReleaseVersion: created.version },
    });
    return created;
  }

  list(scope: TenantScope, appId: string, limit: number): Promise<Release[]> {
    return this.db.release.findMany({
      where: { tenantId: scope.tenantId, appId },
      orderBy: { version: 'desc' },
      take: limit,
    });
  }

  find(scope: TenantScope, appId: string, version: number): Promise<Release | null> {
    return this.db.release.findFirst({ where: { tenantId: scope.tenantId, appId, version } });
  }
}
