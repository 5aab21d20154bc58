import { ReleaseRepository, type App, type Db, type Release, type TenantScope } from '@nimbus/db';

/** The release the app runs now; null before its first deploy. */
export function currentRelease(db: Db, scope: TenantScope, app: App): Promise<Release | null> {
  return app.currentReleaseVersion === null
    ? Promise.resolve(null)
    : new ReleaseRepository(db).find(scope, app.id, app.currentReleaseVersion);
}
