import { ReleaseRepository, imageFieldsOf, tenantScope, type Db } from '@nimbus/db';

/**
 * Rolls an app back to release `version` after a failed rollout: a new release with vK's image
 * and sealed environment (releases are never edited or reused), made current. Returns its number.
 */
export async function rollbackRelease(
  tx: Db,
  app: { id: string; tenantId: string; configVersion: number },
  version: number,
  why: string,
): Promise<number> {
  const scope = tenantScope(app.tenantId);
  const releases = new ReleaseRepository(tx);
  const target = await releases.find(scope, app.id, version);
  if (!target) throw new Error(`release v${version} of app ${app.id} is gone`);
  const created = await releases.append(scope, app.id, {
    ...imageFieldsOf(target),
    configVersion: app.configVersion,
    configSnapshot: new Uint8Array(target.configSnapshot),
    description: `Rollback to v${version} (${why})`.slice(0, 500),
    actorUserId: null,
  });
  return created.version;
}
