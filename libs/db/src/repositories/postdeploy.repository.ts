import type { Db } from '../prisma-client';
import type { TenantScope } from '../tenant-scope';
import type { Postdeploy, PostdeployStatus } from '../generated/prisma/client';

export interface NewPostdeploy {
  appId: string;
  releaseVersion: number;
  command: string;
  instanceId: string;
}

export interface PostdeployEnd {
  status: Exclude<PostdeployStatus, 'running'>;
  exitCode: number | null;
  finishedAt: Date;
}

/**
 * The app's single app.json postdeploy record: the app id is unique, which is what makes the
 * script run once across retries, restarts and leader changes.
 */
export class PostdeployRepository {
  constructor(private readonly db: Db) {}

  findOfApp(scope: TenantScope, appId: string): Promise<Postdeploy | null> {
    return this.db.postdeploy.findFirst({ where: { tenantId: scope.tenantId, appId } });
  }

  create(scope: TenantScope, postdeploy: NewPostdeploy): Promise<Postdeploy> {
    return this.db.postdeploy.create({ data: { tenantId: scope.tenantId, ...postdeploy } });
  }

  async finish(scope: TenantScope, id: string, end: PostdeployEnd): Promise<void> {
    await this.db.postdeploy.update({ where: { id, tenantId: scope.tenantId }, data: end });
  }
}
