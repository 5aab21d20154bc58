import type { TenantKeyring } from '@nimbus/crypto';
import {
  AppRepository,
  ReleaseRepository,
  loadTenantKey,
  type Db,
  type Release,
  type TenantScope,
} from '@nimbus/db';
import { restoreAppConfig } from './config-restore';
import { AppGoneError } from './errors';
import { imageColumnsOf, releaseImageOf } from './release-image';
import { openSnapshot } from './snapshot-seal';

/** The release a rollback asked for does not exist (never did, or went with its app). */
export class ReleaseNotFoundError extends Error {
  readonly code = 'release/not_found' as const;

  constructor(
    readonly appId: string,
    readonly version: number,
  ) {
    super(`release v${version} of app ${appId} is gone`);
  }
}

/**
 * The one rule for rolling back, whoever asks (a person through the API, the orchestrator after a
 * failed rollout): a new release (releases are never edited or reused) runs vK's image with
 * exactly vK's sealed environment, and the app's own config vars and secrets go back to what they
 * were at vK, so what `config` shows is what runs and the next change builds on it. Values set
 * since at the namespace or tenant stay set there and return with the next release. The app's
 * config version moves on, as with any change to its config. Inside the caller's transaction.
 */
export async function rollBack(
  tx: Db,
  keyring: TenantKeyring,
  scope: TenantScope,
  appId: string,
  version: number,
  description: string,
  actorUserId: string | null,
): Promise<Release> {
  const releases = new ReleaseRepository(tx);
  const target = await releases.find(scope, appId, version);
  if (!target) throw new ReleaseNotFoundError(appId, version);
  const app = await new AppRepository(tx).findById(scope, appId);
  if (!app) throw new AppGoneError(appId);
  const tenantKey = await loadTenantKey(tx, scope);
  const snapshot = openSnapshot(keyring, tenantKey, appId, target.configSnapshot);
  await restoreAppConfig(tx, keyring, scope, app, tenantKey, snapshot);
  const configVersion = await new AppRepository(tx).bumpConfigVersion(scope, appId);
  return releases.append(scope, appId, {
    ...imageColumnsOf(releaseImageOf(target)),
    configVersion,
    configSnapshot: new Uint8Array(target.configSnapshot),
    description,
    actorUserId,
  });
}
